//! `report`: turns the load generator's JSON lines into the suite's outputs.
//!
//! ```text
//! report --results run.jsonl --meta meta.json --json out.json --markdown out.md --svg out.svg
//! ```
//!
//! Each result line carries `"server"` (the label) and `"mode"`; repeated runs of one
//! server and mode are reduced to their median. The table has one row per server and one
//! column per figure, each cell with its ratio against the raw floor and against
//! socketioxide (for CPU and memory lower is better, for rates higher is better).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

/// One column of the table.
struct Figure {
    key: &'static str,
    title: &'static str,
    unit: &'static str,
    mode: &'static str,
    field: &'static str,
    /// Multiplies the loadgen's value (bytes → KB).
    scale: f64,
    lower_is_better: bool,
}

const FIGURES: &[Figure] = &[
    Figure {
        key: "echo_cpu_us",
        title: "echo CPU/msg",
        unit: "µs",
        mode: "echo",
        field: "server_cpu_us_per_message",
        scale: 1.0,
        lower_is_better: true,
    },
    Figure {
        key: "echo_rate",
        title: "echo msg/s",
        unit: "/s",
        mode: "echo",
        field: "messages_per_second",
        scale: 1.0,
        lower_is_better: false,
    },
    Figure {
        key: "echo_eager_cpu_us",
        title: "echo CPU/msg, eager client",
        unit: "µs",
        mode: "echo_eager",
        field: "server_cpu_us_per_message",
        scale: 1.0,
        lower_is_better: true,
    },
    Figure {
        key: "ack_cpu_us",
        title: "ack CPU/msg",
        unit: "µs",
        mode: "ack",
        field: "server_cpu_us_per_message",
        scale: 1.0,
        lower_is_better: true,
    },
    Figure {
        key: "broadcast_cpu_us",
        title: "broadcast CPU/delivery",
        unit: "µs",
        mode: "broadcast",
        field: "server_cpu_us_per_delivery",
        scale: 1.0,
        lower_is_better: true,
    },
    Figure {
        key: "broadcast_rate",
        title: "broadcast deliveries/s",
        unit: "/s",
        mode: "broadcast",
        field: "deliveries_per_second",
        scale: 1.0,
        lower_is_better: false,
    },
    Figure {
        key: "idle_kb",
        title: "idle memory/conn",
        unit: "KB",
        mode: "idle",
        field: "server_bytes_per_connection",
        scale: 1e-3,
        lower_is_better: true,
    },
    Figure {
        key: "polling_rate",
        title: "polling echo msg/s",
        unit: "/s",
        mode: "polling",
        field: "messages_per_second",
        scale: 1.0,
        lower_is_better: false,
    },
    Figure {
        key: "polling_cpu_us",
        title: "polling CPU/msg",
        unit: "µs",
        mode: "polling",
        field: "server_cpu_us_per_message",
        scale: 1.0,
        lower_is_better: true,
    },
];

/// The order of the rows, then any other label.
const SERVERS: &[&str] = &["floor", "ours", "socketioxide", "node", "python"];
const FLOOR: &str = "floor";
const SOCKETIOXIDE: &str = "socketioxide";

fn usage() -> ! {
    eprintln!(
        "usage: report --results RUN.jsonl [--meta META.json] [--json OUT] [--markdown OUT] [--svg OUT]"
    );
    std::process::exit(2)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Figures of every server: server → figure key → median value.
type Table = BTreeMap<String, BTreeMap<&'static str, f64>>;

fn reduce(lines: &[Value]) -> (Table, BTreeMap<String, BTreeMap<&'static str, usize>>) {
    let mut samples: BTreeMap<String, BTreeMap<&'static str, Vec<f64>>> = BTreeMap::new();
    let mut runs: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for line in lines {
        let (Some(server), Some(mode)) = (line["server"].as_str(), line["mode"].as_str()) else { continue };
        // An eager client's echo is a figure of its own.
        let mode = match (mode, line["client"].as_str()) {
            ("echo", Some("eager")) => "echo_eager",
            _ => mode,
        };
        // A run that lost messages or connections is not a figure.
        let complete = line.get("expected").is_none_or(|e| {
            let count = line["messages"].as_u64().or(line["deliveries"].as_u64());
            count == e.as_u64()
        }) && line.get("requested").is_none_or(|r| line["connections"] == *r);
        if !complete {
            continue;
        }
        for f in FIGURES.iter().filter(|f| f.mode == mode) {
            if let Some(v) = line[f.field].as_f64() {
                samples.entry(server.to_owned()).or_default().entry(f.key).or_default().push(v * f.scale);
            }
        }
        if let Some(f) = FIGURES.iter().find(|f| f.mode == mode) {
            *runs.entry(server.to_owned()).or_default().entry(f.mode).or_default() += 1;
        }
    }
    let table = samples
        .into_iter()
        .map(|(s, figs)| (s, figs.into_iter().filter_map(|(k, v)| Some((k, median(v)?))).collect()))
        .collect();
    (table, runs)
}

fn ordered_servers(table: &Table) -> Vec<String> {
    let mut out: Vec<String> =
        SERVERS.iter().filter(|s| table.contains_key(**s)).map(|s| s.to_string()).collect();
    out.extend(table.keys().filter(|k| !SERVERS.contains(&k.as_str())).cloned());
    out
}

fn ratio(table: &Table, server: &str, against: &str, key: &str) -> Option<f64> {
    let v = table.get(server)?.get(key)?;
    let base = table.get(against)?.get(key)?;
    (*base > 0.0).then(|| v / base)
}

fn format_value(v: f64, unit: &str) -> String {
    match unit {
        "/s" if v >= 10_000.0 => format!("{:.0}k", v / 1000.0),
        "/s" => format!("{v:.0}"),
        "KB" => format!("{v:.1} KB"),
        _ if v < 10.0 => format!("{v:.2} µs"),
        _ => format!("{v:.1} µs"),
    }
}

/// Mean and maximum share of the machine's CPU that other processes used while runs were
/// measured.
fn others_share(lines: &[Value]) -> Option<(f64, f64)> {
    let v: Vec<f64> = lines.iter().filter_map(|l| l["other_processes_cpu_share"].as_f64()).collect();
    if v.is_empty() {
        return None;
    }
    Some((v.iter().sum::<f64>() / v.len() as f64, v.iter().cloned().fold(0.0, f64::max)))
}

fn markdown(table: &Table, meta: &Value, lines: &[Value]) -> String {
    let mut md = String::new();
    let servers = ordered_servers(table);
    let _ = writeln!(md, "Each cell: median value (× raw floor / × socketioxide).\n");
    let _ = write!(md, "| server |");
    for f in FIGURES {
        let _ = write!(md, " {} |", f.title);
    }
    let _ = write!(md, "\n|---|");
    for _ in FIGURES {
        let _ = write!(md, "---:|");
    }
    md.push('\n');
    for s in &servers {
        let _ = write!(md, "| {s} |");
        for f in FIGURES {
            let cell = match table[s].get(f.key) {
                None => "–".to_owned(),
                Some(v) => {
                    let r = |against: &str| {
                        if s == against {
                            "1".to_owned()
                        } else {
                            ratio(table, s, against, f.key).map_or("–".into(), |r| format!("{r:.2}"))
                        }
                    };
                    format!("{} ({}× / {}×)", format_value(*v, f.unit), r(FLOOR), r(SOCKETIOXIDE))
                }
            };
            let _ = write!(md, " {cell} |");
        }
        md.push('\n');
    }
    if let Some(load) = meta["load_during_run"].as_str() {
        let _ = writeln!(md, "\nMachine load (1-minute average, this run's own processes included): {load}.");
    }
    if let Some((mean, max)) = others_share(lines) {
        let _ = writeln!(
            md,
            "Other processes used {:.0} % of the machine's CPU on average during the measured phases (at most {:.0} %).",
            mean * 100.0,
            max * 100.0
        );
    }
    if let Some(versions) = meta["versions"].as_object() {
        md.push('\n');
        for (k, v) in versions {
            let _ = writeln!(md, "- {k}: {}", v.as_str().unwrap_or(""));
        }
    }
    md
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One horizontal bar chart per figure, side by side, two rows of panels.
fn svg(table: &Table, meta: &Value, lines: &[Value]) -> String {
    let servers = ordered_servers(table);
    let figures: Vec<&Figure> =
        FIGURES.iter().filter(|f| servers.iter().any(|s| table[s].contains_key(f.key))).collect();
    let colors = ["#7f7f7f", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
    let (panel_w, bar_h, gap) = (300.0, 18.0, 6.0);
    let panel_h = 40.0 + servers.len() as f64 * (bar_h + gap) + 10.0;
    let per_row = 4usize;
    let rows = figures.len().div_ceil(per_row);
    let (width, height) = (per_row as f64 * panel_w + 20.0, 50.0 + rows as f64 * panel_h + 30.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let title = format!(
        "Socket.IO servers on one core each, load generator on the other ({}, {} run)",
        meta["date"].as_str().unwrap_or(""),
        meta["mode"].as_str().unwrap_or("")
    );
    let _ =
        writeln!(out, r#"<text x="10" y="22" font-size="14" font-weight="bold">{}</text>"#, escape(&title));
    for (i, f) in figures.iter().enumerate() {
        let x0 = 10.0 + (i % per_row) as f64 * panel_w;
        let y0 = 40.0 + (i / per_row) as f64 * panel_h;
        let max = servers.iter().filter_map(|s| table[s].get(f.key)).fold(0.0f64, |a, b| a.max(*b));
        let label_w = 80.0;
        let bar_w = panel_w - label_w - 70.0;
        let better = if f.lower_is_better { "lower is better" } else { "higher is better" };
        let _ = writeln!(
            out,
            r#"<text x="{x0}" y="{}" font-weight="bold">{} ({})</text>"#,
            y0 + 14.0,
            escape(f.title),
            better
        );
        for (j, s) in servers.iter().enumerate() {
            let y = y0 + 26.0 + j as f64 * (bar_h + gap);
            let _ = writeln!(out, r#"<text x="{x0}" y="{}">{}</text>"#, y + bar_h - 5.0, escape(s));
            let Some(v) = table[s].get(f.key) else { continue };
            let w = if max > 0.0 { (v / max * bar_w).max(1.0) } else { 1.0 };
            let color = colors[SERVERS.iter().position(|k| k == s).unwrap_or(j) % colors.len()];
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{y}" width="{w:.1}" height="{bar_h}" fill="{color}"/>"#,
                x0 + label_w
            );
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{}">{}</text>"#,
                x0 + label_w + w + 4.0,
                y + bar_h - 5.0,
                escape(&format_value(*v, f.unit))
            );
        }
    }
    let mut footer = String::new();
    if let Some((mean, max)) = others_share(lines) {
        footer = format!(
            "other processes used {:.0} % of the machine's CPU on average while runs were measured (at most {:.0} %)",
            mean * 100.0,
            max * 100.0
        );
    }
    if let Some(v) = meta["versions"].as_object() {
        let peers: Vec<String> = ["socketioxide", "node", "python"]
            .iter()
            .filter_map(|k| v.get(*k)?.as_str().map(|s| s.split(',').next().unwrap_or(s).to_owned()))
            .collect();
        footer = format!("{footer}; {}", peers.join(", "));
    }
    let _ = writeln!(out, r##"<text x="10" y="{}" fill="#555">{}</text>"##, height - 10.0, escape(&footer));
    out.push_str("</svg>\n");
    out
}

/// The scale test: one line per load generator (each held its sessions to one server
/// process), summed up; all sessions were open at once if the hold windows overlap.
fn scale(lines: &[Value], meta: &Value) -> (String, Value) {
    let sum = |key: &str| lines.iter().filter_map(|l| l[key].as_u64()).sum::<u64>();
    let connections = sum("connections");
    let open_at_start = sum("open_at_hold_start");
    let open_after = sum("open_after_hold");
    let pings = sum("pings_answered_during_hold");
    let rss_before = sum("server_rss_before_kib");
    let rss_ready = sum("server_rss_after_kib");
    let rss_hold = sum("server_rss_after_hold_kib");
    let latest_start = lines.iter().filter_map(|l| l["hold_start_unix"].as_f64()).fold(f64::MIN, f64::max);
    let earliest_end = lines.iter().filter_map(|l| l["hold_end_unix"].as_f64()).fold(f64::MAX, f64::min);
    let overlap = (earliest_end - latest_start).max(0.0);
    let per_connection = (rss_hold.saturating_sub(rss_before) as f64 * 1024.0) / connections.max(1) as f64;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| server | processes | sessions open | open after the hold | all open together for | pings answered in the hold | server RSS (total) | per session |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        md,
        "| {} | {} | {} of {} | {} | {:.0} s | {} | {:.0} MiB | {:.1} KB |",
        meta["server"].as_str().unwrap_or("?"),
        lines.len(),
        connections,
        meta["requested"].as_u64().unwrap_or(0),
        open_after,
        overlap,
        pings,
        mib(rss_hold),
        per_connection / 1000.0
    );
    let _ = writeln!(md, "\nPer process (RSS before → with its sessions open → after the hold):\n");
    for l in lines {
        let _ = writeln!(
            md,
            "- {}: {} sessions, {:.0} → {:.0} → {:.0} MiB, {} B per session",
            l["server"].as_str().unwrap_or("?"),
            l["connections"],
            mib(l["server_rss_before_kib"].as_u64().unwrap_or(0)),
            mib(l["server_rss_after_kib"].as_u64().unwrap_or(0)),
            mib(l["server_rss_after_hold_kib"].as_u64().unwrap_or(0)),
            l["server_bytes_per_connection"]
        );
    }
    let json = json!({
        "meta": meta,
        "sessions_open": connections,
        "open_at_hold_start": open_at_start,
        "open_after_hold": open_after,
        "all_open_together_seconds": overlap,
        "pings_answered_during_hold": pings,
        "server_rss_before_kib": rss_before,
        "server_rss_ready_kib": rss_ready,
        "server_rss_after_hold_kib": rss_hold,
        "server_bytes_per_session": per_connection.round(),
        "per_process": lines,
    });
    (md, json)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut results, mut meta_path, mut json_out, mut md_out, mut svg_out) = (None, None, None, None, None);
    let mut scale_mode = false;
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--scale" => {
                results = Some(value);
                scale_mode = true;
            }
            "--results" => results = Some(value),
            "--meta" => meta_path = Some(value),
            "--json" => json_out = Some(value),
            "--markdown" => md_out = Some(value),
            "--svg" => svg_out = Some(value),
            _ => usage(),
        }
    }
    let Some(results) = results else { usage() };
    let text = std::fs::read_to_string(&results).unwrap_or_else(|e| {
        eprintln!("{results}: {e}");
        std::process::exit(1)
    });
    let lines: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let meta: Value = meta_path
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(json!({}));
    if scale_mode {
        let (md, json) = scale(&lines, &meta);
        print!("{md}");
        if let Some(p) = md_out {
            write(&p, &md);
        }
        if let Some(p) = json_out {
            write(&p, &serde_json::to_string_pretty(&json).unwrap_or_default());
        }
        return;
    }
    let (table, runs) = reduce(&lines);
    let md = markdown(&table, &meta, &lines);
    print!("{md}");
    if let Some(p) = md_out {
        write(&p, &md);
    }
    if let Some(p) = svg_out {
        write(&p, &svg(&table, &meta, &lines));
    }
    if let Some(p) = json_out {
        let servers = ordered_servers(&table);
        let figures: serde_json::Map<String, Value> = servers
            .iter()
            .map(|s| {
                let mut row = serde_json::Map::new();
                for f in FIGURES {
                    if let Some(v) = table[s].get(f.key) {
                        row.insert(
                            f.key.to_owned(),
                            json!({
                                "value": v,
                                "unit": f.unit,
                                "vs_floor": ratio(&table, s, FLOOR, f.key),
                                "vs_socketioxide": ratio(&table, s, SOCKETIOXIDE, f.key),
                            }),
                        );
                    }
                }
                (s.clone(), Value::Object(row))
            })
            .collect();
        let others = others_share(&lines).map(|(mean, max)| json!({ "mean": mean, "max": max }));
        let out = json!({
            "meta": meta,
            "other_processes_cpu_share": others,
            "figures": figures,
            "runs": runs,
            "results": lines,
        });
        write(&p, &serde_json::to_string_pretty(&out).unwrap_or_default());
    }
}

fn write(path: &str, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    }
}
