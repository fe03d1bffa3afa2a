fn main() -> std::process::ExitCode {
    spares::cli::main()
}
