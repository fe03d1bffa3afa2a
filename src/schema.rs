// @generated shape of `diesel print-schema`, restricted to the SQL types both backends share.

diesel::table! {
    regions (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    warehouses (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        region_id -> BigInt,
        kind -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    parts (id) {
        id -> BigInt,
        part_number -> Text,
        description -> Text,
        unit_of_measure -> Text,
        unit_cost -> Text,
        criticality -> Text,
        superseded_by -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    suppliers (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    supplier_parts (id) {
        id -> BigInt,
        supplier_id -> BigInt,
        part_id -> BigInt,
        lead_time_days -> Integer,
        moq -> BigInt,
        pack_size -> BigInt,
        unit_price -> Text,
        preferred -> Bool,
    }
}

diesel::table! {
    stock_balances (warehouse_id, part_id) {
        warehouse_id -> BigInt,
        part_id -> BigInt,
        on_hand -> BigInt,
        reserved -> BigInt,
        defective -> BigInt,
        in_transit_in -> BigInt,
        on_order -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    movements (id) {
        id -> BigInt,
        warehouse_id -> BigInt,
        part_id -> BigInt,
        kind -> Text,
        quantity -> BigInt,
        on_hand_delta -> BigInt,
        reserved_delta -> BigInt,
        defective_delta -> BigInt,
        in_transit_delta -> BigInt,
        on_order_delta -> BigInt,
        reason_code -> Nullable<Text>,
        document_type -> Nullable<Text>,
        document_ref -> Nullable<Text>,
        supplier_id -> Nullable<BigInt>,
        lot -> Nullable<Text>,
        note -> Nullable<Text>,
        actor -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    transfers (id) {
        id -> BigInt,
        from_warehouse_id -> BigInt,
        to_warehouse_id -> BigInt,
        status -> Text,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        shipped_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    transfer_lines (id) {
        id -> BigInt,
        transfer_id -> BigInt,
        part_id -> BigInt,
        quantity -> BigInt,
        received_qty -> BigInt,
        discrepancy_qty -> BigInt,
    }
}

diesel::table! {
    reservations (id) {
        id -> BigInt,
        repair_order -> Text,
        warehouse_id -> BigInt,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reservation_lines (id) {
        id -> BigInt,
        reservation_id -> BigInt,
        part_id -> BigInt,
        quantity -> BigInt,
        consumed_qty -> BigInt,
        released_qty -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (idempotency_key) {
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(warehouses -> regions (region_id));
diesel::joinable!(supplier_parts -> suppliers (supplier_id));
diesel::joinable!(supplier_parts -> parts (part_id));
diesel::joinable!(stock_balances -> warehouses (warehouse_id));
diesel::joinable!(stock_balances -> parts (part_id));
diesel::joinable!(movements -> parts (part_id));
diesel::joinable!(movements -> warehouses (warehouse_id));
diesel::joinable!(movements -> suppliers (supplier_id));
diesel::joinable!(transfer_lines -> transfers (transfer_id));
diesel::joinable!(transfer_lines -> parts (part_id));
diesel::joinable!(reservation_lines -> reservations (reservation_id));
diesel::joinable!(reservation_lines -> parts (part_id));
diesel::joinable!(reservations -> warehouses (warehouse_id));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    warehouses,
    parts,
    suppliers,
    supplier_parts,
    stock_balances,
    movements,
    transfers,
    transfer_lines,
    reservations,
    reservation_lines,
    idempotency_keys,
    api_keys,
    console_sessions,
    audit_log,
    audit_chains,
    demand_daily,
    demand_records,
    forecasts,
    forecast_runs,
    job_leases,
    replenishment_policies,
    replenishment_runs,
    replenishment_calibrations,
    purchase_orders,
    purchase_order_lines,
    proposals,
    reservation_refusals,
    webhook_endpoints,
    webhook_outbox,
);

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        role -> Text,
        key_hash -> Text,
        key_prefix -> Text,
        warehouses -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    console_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        key_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        key_id -> Nullable<BigInt>,
        actor -> Text,
        method -> Text,
        route -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        chain_id -> Nullable<Integer>,
        chain_seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        entry_hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_chains (chain_id) {
        chain_id -> Integer,
        seq -> BigInt,
        head_hash -> Text,
        legacy_upto -> BigInt,
        prev_hash -> Text,
    }
}

diesel::table! {
    demand_daily (warehouse_id, part_id, day) {
        warehouse_id -> BigInt,
        part_id -> BigInt,
        day -> Date,
        quantity -> BigInt,
        lines -> BigInt,
    }
}

diesel::table! {
    demand_records (id) {
        id -> BigInt,
        row_key -> Text,
        day -> Date,
        warehouse_id -> BigInt,
        part_id -> BigInt,
        quantity -> BigInt,
        repair_order -> Nullable<Text>,
        product_model -> Nullable<Text>,
        fault_code -> Nullable<Text>,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    forecasts (warehouse_id, part_id) {
        warehouse_id -> BigInt,
        part_id -> BigInt,
        demand_class -> Text,
        method -> Text,
        selection_error -> Nullable<Double>,
        daily_rate -> Double,
        lead_time_days -> Integer,
        review_days -> Integer,
        lead_time_mean -> Double,
        lead_time_variance -> Double,
        p50 -> BigInt,
        p90 -> BigInt,
        p95 -> BigInt,
        p99 -> BigInt,
        history_days -> Integer,
        demand_days -> Integer,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    forecast_runs (id) {
        id -> BigInt,
        status -> Text,
        scope -> Text,
        series -> Integer,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
        last_run_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(demand_daily -> parts (part_id));
diesel::joinable!(demand_daily -> warehouses (warehouse_id));
diesel::joinable!(forecasts -> parts (part_id));
diesel::joinable!(forecasts -> warehouses (warehouse_id));

diesel::table! {
    replenishment_policies (warehouse_id, part_id) {
        warehouse_id -> BigInt,
        part_id -> BigInt,
        reorder_point -> BigInt,
        order_up_to -> BigInt,
        expected_fill_rate -> Double,
        daily_rate -> Double,
        lead_time_days -> Integer,
        demand_class -> Text,
        method -> Text,
        manual -> Bool,
        manual_min -> Nullable<BigInt>,
        manual_max -> Nullable<BigInt>,
        computed_at -> Timestamp,
        binding -> Text,
    }
}

diesel::table! {
    replenishment_runs (id) {
        id -> BigInt,
        trigger_kind -> Text,
        scope -> Text,
        status -> Text,
        pairs -> Integer,
        purchases -> Integer,
        transfers -> Integer,
        shadow_price -> Nullable<Double>,
        expected_stockout_rate -> Nullable<Double>,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
        internal_target -> Nullable<Double>,
        calibration_id -> Nullable<BigInt>,
        proposals_created -> Nullable<BigInt>,
        proposals_revised -> Nullable<BigInt>,
        proposals_withdrawn -> Nullable<BigInt>,
    }
}

diesel::table! {
    replenishment_calibrations (id) {
        id -> BigInt,
        run_id -> BigInt,
        computed_at -> Timestamp,
        external_target -> Double,
        internal_target -> Double,
        margin -> Double,
        window_from -> Nullable<Date>,
        window_to -> Nullable<Date>,
        origins -> Integer,
        pairs_replayed -> BigInt,
        lines_replayed -> BigInt,
        trials -> Text,
        fallback -> Nullable<Text>,
    }
}

diesel::table! {
    purchase_orders (id) {
        id -> BigInt,
        number -> Text,
        supplier_id -> BigInt,
        warehouse_id -> BigInt,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expected_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        over_receipt_pct -> Text,
    }
}

diesel::table! {
    purchase_order_lines (id) {
        id -> BigInt,
        purchase_order_id -> BigInt,
        part_id -> BigInt,
        quantity -> BigInt,
        received_qty -> BigInt,
        unit_price -> Text,
        closed_qty -> BigInt,
        expected_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    proposals (id) {
        id -> BigInt,
        run_id -> BigInt,
        kind -> Text,
        status -> Text,
        warehouse_id -> BigInt,
        part_id -> BigInt,
        from_warehouse_id -> Nullable<BigInt>,
        supplier_id -> Nullable<BigInt>,
        region_id -> BigInt,
        quantity -> BigInt,
        unit_price -> Text,
        value -> Text,
        explanation -> Text,
        reason -> Nullable<Text>,
        auto_approved -> Bool,
        purchase_order_id -> Nullable<BigInt>,
        transfer_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        value_cents -> BigInt,
        revision -> BigInt,
        changes -> Nullable<Text>,
        revised_at -> Nullable<Timestamp>,
        revised_run_id -> Nullable<BigInt>,
        locked -> Bool,
        engine -> Nullable<Text>,
        binding -> Text,
        cover_days -> Nullable<Double>,
        fill_rate_without -> Double,
    }
}

diesel::table! {
    reservation_refusals (id) {
        id -> BigInt,
        warehouse_id -> BigInt,
        part_id -> BigInt,
        repair_order -> Text,
        requested -> BigInt,
        available -> BigInt,
        occurred_at -> Timestamp,
        urgent_handled_at -> Nullable<Timestamp>,
        short -> Bool,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        events -> Text,
        active -> Bool,
        created_at -> Timestamp,
        secret_key_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_outbox (id) {
        id -> BigInt,
        event_id -> Text,
        endpoint_id -> BigInt,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(replenishment_policies -> parts (part_id));
diesel::joinable!(replenishment_policies -> warehouses (warehouse_id));
diesel::joinable!(purchase_order_lines -> purchase_orders (purchase_order_id));
diesel::joinable!(purchase_order_lines -> parts (part_id));
diesel::joinable!(purchase_orders -> suppliers (supplier_id));
diesel::joinable!(purchase_orders -> warehouses (warehouse_id));
diesel::joinable!(proposals -> parts (part_id));
diesel::joinable!(proposals -> regions (region_id));
diesel::joinable!(proposals -> suppliers (supplier_id));
diesel::joinable!(webhook_outbox -> webhook_endpoints (endpoint_id));
diesel::joinable!(console_sessions -> api_keys (key_id));
