//! CSV front-end of `spares forecast`: reads `series_id,period,demand` rows (extra columns are
//! ignored; rows of one series contiguous and in period order; `period` is an opaque label)
//! and writes one forecast row per series (per method with `all`).
//!
//! Output `series_id,method,forecast`: `forecast` is the mean per-period forecast over the
//! horizon (for the flat methods simply the next-period forecast). With `auto` the columns are
//! `series_id,method,forecast,class,selected`: `method` is the selected method, `class` the
//! Syntetos-Boylan class, and `selected` is `true` when the method won the rolling-origin
//! evaluation, `false` when the history was too short and the class default was used.
//!
//! Series are streamed: only the current series' demand is held in memory (plus the set of
//! finished ids, needed to reject a series that reappears after another one).

use std::collections::HashSet;
use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use super::select::select_ws;
use super::{forecast_path_ws, point_forecast, Method, Params, UnknownMethod, Workspace};

/// Which method(s) to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodChoice {
    Single(Method),
    All,
    Auto,
}

impl FromStr for MethodChoice {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(MethodChoice::All),
            "auto" => Ok(MethodChoice::Auto),
            other => other.parse().map(MethodChoice::Single),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchOptions {
    pub method: MethodChoice,
    /// Forecast horizon in periods (also the selection lead time with `auto`); at least 1.
    pub horizon: usize,
    pub params: Params,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            method: MethodChoice::Auto,
            horizon: 1,
            params: Params::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchSummary {
    pub series: usize,
    pub input_rows: usize,
    pub output_rows: usize,
}

#[derive(Debug)]
pub enum BatchError {
    /// The header lacks a required column.
    MissingColumn(&'static str),
    /// A field of a data row is missing or invalid.
    InvalidField {
        line: u64,
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    /// A series id reappears after another series started.
    SeriesNotContiguous {
        line: u64,
        series_id: String,
    },
    /// Malformed CSV (quoting, encoding, ...).
    Csv {
        line: Option<u64>,
        message: String,
    },
    Io(std::io::Error),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::MissingColumn(c) => write!(f, "line 1: missing column `{c}`"),
            BatchError::InvalidField {
                line,
                field,
                value,
                reason,
            } => {
                write!(f, "line {line}: field `{field}` {reason}: {value:?}")
            }
            BatchError::SeriesNotContiguous { line, series_id } => write!(
                f,
                "line {line}: field `series_id`: series {series_id:?} reappears after another series \
                 (rows of a series must be contiguous)"
            ),
            BatchError::Csv {
                line: Some(line),
                message,
            } => write!(f, "line {line}: {message}"),
            BatchError::Csv { line: None, message } => f.write_str(message),
            BatchError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for BatchError {}

impl From<csv::Error> for BatchError {
    fn from(e: csv::Error) -> Self {
        let line = e.position().map(|p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(io) => BatchError::Io(io),
            other => BatchError::Csv {
                line,
                message: format!("{other:?}"),
            },
        }
    }
}

struct Output<W: Write> {
    writer: csv::Writer<W>,
    opts: BatchOptions,
    ws: Workspace,
    rows: usize,
}

impl<W: Write> Output<W> {
    fn header(&mut self) -> Result<(), BatchError> {
        if self.opts.method == MethodChoice::Auto {
            self.writer
                .write_record(["series_id", "method", "forecast", "class", "selected"])?;
        } else {
            self.writer.write_record(["series_id", "method", "forecast"])?;
        }
        Ok(())
    }

    fn mean_forecast(&mut self, method: Method, x: &[f64]) -> f64 {
        if method.is_flat() {
            // The mean of h equal values, without the rounding of summing and dividing them.
            return point_forecast(method, x, &self.opts.params, &mut self.ws);
        }
        let h = self.opts.horizon.max(1);
        let path = forecast_path_ws(method, x, h, &self.opts.params, &mut self.ws);
        path.iter().sum::<f64>() / h as f64
    }

    fn series(&mut self, id: &str, x: &[f64]) -> Result<(), BatchError> {
        match self.opts.method {
            MethodChoice::Single(m) => self.row(id, m, x)?,
            MethodChoice::All => {
                for m in Method::ALL {
                    self.row(id, m, x)?;
                }
            }
            MethodChoice::Auto => {
                let s = select_ws(x, self.opts.horizon.max(1), &self.opts.params, &mut self.ws);
                let f = self.mean_forecast(s.method, x);
                let selected = if s.error.is_some() { "true" } else { "false" };
                self.writer
                    .write_record([id, s.method.name(), &f.to_string(), s.class.name(), selected])?;
                self.rows += 1;
            }
        }
        Ok(())
    }

    fn row(&mut self, id: &str, m: Method, x: &[f64]) -> Result<(), BatchError> {
        let f = self.mean_forecast(m, x);
        self.writer.write_record([id, m.name(), &f.to_string()])?;
        self.rows += 1;
        Ok(())
    }
}

/// Positions of the columns read, in the header.
#[derive(Clone, Copy)]
struct Columns {
    id: usize,
    period: usize,
    demand: usize,
}

/// The series id and demand of one data row, validated.
fn parse_row(record: &csv::StringRecord, line: u64, columns: Columns) -> Result<(&str, f64), BatchError> {
    let field = |i: usize, name: &'static str| {
        record.get(i).ok_or_else(|| BatchError::InvalidField {
            line,
            field: name,
            value: String::new(),
            reason: "is missing",
        })
    };
    let id = field(columns.id, "series_id")?;
    field(columns.period, "period")?;
    let raw = field(columns.demand, "demand")?;
    let invalid = |reason| BatchError::InvalidField {
        line,
        field: "demand",
        value: raw.to_string(),
        reason,
    };
    let value: f64 = raw.parse().map_err(|_| invalid("is not a number"))?;
    if !value.is_finite() {
        return Err(invalid("is not a finite number"));
    }
    if value < 0.0 {
        return Err(invalid("is negative"));
    }
    if id.is_empty() {
        return Err(BatchError::InvalidField {
            line,
            field: "series_id",
            value: String::new(),
            reason: "is empty",
        });
    }
    Ok((id, value))
}

/// Forecasts every series of `input` and writes the CSV described in the module doc.
pub fn run_csv<R: Read, W: Write>(input: R, output: W, opts: &BatchOptions) -> Result<BatchSummary, BatchError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers()?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(BatchError::MissingColumn(name))
    };
    let columns = Columns {
        id: column("series_id")?,
        period: column("period")?,
        demand: column("demand")?,
    };
    let mut out = Output {
        writer: csv::Writer::from_writer(output),
        opts: opts.clone(),
        ws: Workspace::default(),
        rows: 0,
    };
    out.header()?;
    let mut summary = BatchSummary::default();
    let mut finished: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut demand: Vec<f64> = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let (id, value) = parse_row(&record, line, columns)?;
        if current.as_deref() != Some(id) {
            if finished.contains(id) {
                return Err(BatchError::SeriesNotContiguous {
                    line,
                    series_id: id.to_string(),
                });
            }
            if let Some(done) = current.take() {
                out.series(&done, &demand)?;
                summary.series += 1;
                finished.insert(done);
            }
            current = Some(id.to_string());
            demand.clear();
        }
        demand.push(value);
        summary.input_rows += 1;
    }
    if let Some(done) = current.take() {
        out.series(&done, &demand)?;
        summary.series += 1;
    }
    out.writer.flush().map_err(BatchError::Io)?;
    summary.output_rows = out.rows;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str, method: &str, horizon: usize) -> Result<(BatchSummary, String), BatchError> {
        let opts = BatchOptions {
            method: method.parse().expect("method"),
            horizon,
            params: Params {
                season_length: 4,
                ..Params::default()
            },
        };
        let mut out = Vec::new();
        let s = run_csv(input.as_bytes(), &mut out, &opts)?;
        Ok((s, String::from_utf8(out).expect("utf8")))
    }

    const INPUT: &str = "series_id,period,demand\na,1,0\na,2,3\na,3,0\na,4,0\na,5,2\nb,w1,5\nb,w2,5\n";

    #[test]
    fn single_method_rows() {
        let (s, out) = run(INPUT, "croston", 3).expect("runs");
        assert_eq!((s.series, s.input_rows, s.output_rows), (2, 7, 2));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "series_id,method,forecast");
        let expected = super::super::croston::croston_classic(&[0.0, 3.0, 0.0, 0.0, 2.0]);
        assert_eq!(lines[1], format!("a,croston,{expected}"));
        assert_eq!(lines[2], "b,croston,5");
    }

    #[test]
    fn all_and_auto() {
        let (s, out) = run(INPUT, "all", 2).expect("runs");
        assert_eq!(s.output_rows, 2 * Method::ALL.len());
        assert!(out.lines().skip(1).all(|l| l.split(',').count() == 3));
        let (_, out) = run(INPUT, "auto", 2).expect("runs");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "series_id,method,forecast,class,selected");
        assert!(
            lines[1].starts_with("a,tsb,") && lines[1].ends_with(",intermittent,false"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("b,ses,5,smooth,false"), "{}", lines[2]);
    }

    #[test]
    fn bad_input_names_line_and_field() {
        let err = |input: &str| run(input, "tsb", 1).expect_err("must fail").to_string();
        let e = err("series_id,period,demand\na,1,2\na,2,x\n");
        assert!(
            e.contains("line 3") && e.contains("demand") && e.contains("not a number"),
            "{e}"
        );
        let e = err("series_id,period,demand\na,1,-2\n");
        assert!(e.contains("line 2") && e.contains("negative"), "{e}");
        let e = err("series_id,demand\na,1\n");
        assert!(e.contains("period"), "{e}");
        let e = err("series_id,period,demand\na,1,1\nb,1,1\na,2,1\n");
        assert!(
            e.contains("line 4") && e.contains("series_id") && e.contains("\"a\""),
            "{e}"
        );
        let e = err("series_id,period,demand\na,1\n");
        assert!(
            e.contains("line 2") && e.contains("demand") && e.contains("missing"),
            "{e}"
        );
        let e = err("series_id,period,demand\na,1,NaN\n");
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn empty_input_writes_only_the_header() {
        let (s, out) = run("series_id,period,demand\n", "ses", 1).expect("runs");
        assert_eq!(s, BatchSummary::default());
        assert_eq!(out, "series_id,method,forecast\n");
    }
}
