//! What the load generator reads of the server and the machine: the server's resident
//! memory and CPU time (its process tree, from `/proc` and per-process CPU clocks) and
//! how much of the machine other processes used meanwhile.

use std::time::Instant;

/// A process and its descendants (children listed by `/proc`).
pub(crate) fn process_tree(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        out.push(p);
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
        for task in tasks.flatten() {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                stack.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
            }
        }
    }
    out
}

/// Resident memory of a process and its descendants, in KiB.
pub(crate) fn rss_kib(pid: u32) -> u64 {
    process_tree(pid)
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
        .filter_map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .sum()
}

/// CPU time (user + system, every thread) of a process and its descendants, in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    use nix::time::{clock_getcpuclockid, clock_gettime};
    use nix::unistd::Pid;
    process_tree(pid)
        .into_iter()
        .filter_map(|p| {
            let clock = clock_getcpuclockid(Pid::from_raw(i32::try_from(p).ok()?)).ok()?;
            let t = clock_gettime(clock).ok()?;
            Some(t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
        })
        .sum()
}

/// The machine's busy CPU time (every core, every process) from `/proc/stat`, in
/// seconds, and the number of cores.
pub(crate) fn machine_busy_seconds() -> (f64, usize) {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else { return (0.0, 1) };
    let cores = stat.lines().filter(|l| l.starts_with("cpu") && !l.starts_with("cpu ")).count().max(1);
    let busy = stat
        .lines()
        .next()
        .map(|l| {
            let f: Vec<u64> = l.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
            // user nice system idle iowait irq softirq steal: all but idle and iowait.
            [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| f.get(i)).sum::<u64>()
        })
        .unwrap_or(0);
    (busy as f64 / 100.0, cores)
}

/// The load generator's own CPU time, in seconds.
pub(crate) fn own_cpu_seconds() -> f64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(|t| t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
        .unwrap_or(0.0)
}

/// Measures one phase: wall time, the server's CPU time, and how much of the machine
/// other processes used meanwhile (the machine is shared: figures taken while others
/// were busy are provisional).
pub(crate) struct Meter {
    pub(crate) pid: Option<u32>,
    pub(crate) start: Instant,
    pub(crate) server: f64,
    pub(crate) own: f64,
    pub(crate) busy: f64,
}

/// What a [`Meter`] read.
pub(crate) struct Reading {
    pub(crate) wall: f64,
    pub(crate) cpu: Option<f64>,
    /// CPU time of every other process, as a share of the machine's capacity.
    pub(crate) others: f64,
}

impl Meter {
    pub(crate) fn start(pid: Option<u32>) -> Meter {
        Meter {
            pid,
            server: pid.map_or(0.0, cpu_seconds),
            own: own_cpu_seconds(),
            busy: machine_busy_seconds().0,
            start: Instant::now(),
        }
    }

    pub(crate) fn stop(self) -> Reading {
        let wall = self.start.elapsed().as_secs_f64();
        let cpu = self.pid.map(|p| cpu_seconds(p) - self.server);
        let own = own_cpu_seconds() - self.own;
        let (busy, cores) = machine_busy_seconds();
        let others = (busy - self.busy - own - cpu.unwrap_or(0.0)).max(0.0) / (wall * cores as f64);
        Reading { wall, cpu, others }
    }
}
