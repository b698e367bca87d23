//! Ordered parallel map over a slice, on a process-wide budget of spare threads.
//!
//! Builds nest (a kustomization's resources are kustomizations), so a plain "spawn one
//! thread per core" at every level would oversubscribe the machine. Each call instead
//! borrows what is left of one budget (the available parallelism minus the calling
//! thread) and returns it when done; a call that finds the budget spent runs on the
//! calling thread alone. Results always come back in item order, so what a caller
//! does with them never depends on the number of threads or on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The most threads one process uses: more buys nothing on our workloads and costs
/// memory.
const MAX_THREADS: usize = 8;

/// The stack of every build thread, and of the thread the binary runs the CLI on: the
/// parsers, the printer and every walk over a node tree recurse once per level, and
/// must not overflow on a tree nested [`crate::yaml::MAX_DEPTH`] deep, whatever thread
/// it lands on. Only the pages touched are committed.
pub const STACK_BYTES: usize = 64 << 20;

fn spare() -> &'static AtomicUsize {
    static SPARE: OnceLock<AtomicUsize> = OnceLock::new();
    SPARE.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        AtomicUsize::new(n.clamp(1, MAX_THREADS) - 1)
    })
}

/// Sets how many threads parallel work may use in all (at least 1). Call it before any
/// parallel work starts, as the CLI does for `STRATA_THREADS`; output never depends on it.
pub fn set_threads(n: usize) {
    spare().store(n.clamp(1, MAX_THREADS) - 1, Ordering::Release);
}

/// Takes up to `want` threads from the budget; returns how many it got.
fn borrow(want: usize) -> usize {
    let budget = spare();
    let mut have = budget.load(Ordering::Relaxed);
    loop {
        let take = have.min(want);
        if take == 0 {
            return 0;
        }
        match budget.compare_exchange_weak(have, have - take, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return take,
            Err(now) => have = now,
        }
    }
}

/// Gives threads back to the budget, even if a worker panicked.
struct Loan(usize);

impl Drop for Loan {
    fn drop(&mut self) {
        spare().fetch_add(self.0, Ordering::AcqRel);
    }
}

/// Applies `f` to every item, on as many threads as the budget allows (the calling
/// thread always works too), and returns the results in item order.
///
/// A panic in `f` is re-raised on the calling thread, as a sequential loop would.
pub fn map_ordered<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    if items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let helpers = borrow(items.len() - 1);
    if helpers == 0 {
        return items.iter().map(&f).collect();
    }
    let _loan = Loan(helpers);
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    let work = || {
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            mine.push((i, f(item)));
        }
        if let Ok(mut d) = done.lock() {
            d.extend(mine);
        }
    };
    std::thread::scope(|s| {
        // A thread the system refuses is one helper fewer: the items are shared out as
        // threads ask for them.
        let handles: Vec<_> = (0..helpers)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(STACK_BYTES)
                    .spawn_scoped(s, work)
                    .ok()
            })
            .collect();
        work();
        for h in handles {
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order() {
        let items: Vec<u64> = (0..1000).collect();
        let out = map_ordered(&items, |i| {
            // Uneven work, so threads finish out of order.
            (0..(i % 7) * 1000).fold(*i, |a, b| a.wrapping_add(b % 3))
        });
        let seq: Vec<u64> = items
            .iter()
            .map(|i| (0..(i % 7) * 1000).fold(*i, |a, b| a.wrapping_add(b % 3)))
            .collect();
        assert_eq!(out, seq);
    }

    #[test]
    fn nested_calls_give_the_same_results_as_loops() {
        let items: Vec<usize> = (0..16).collect();
        let out = map_ordered(&items, |i| {
            let inner: Vec<usize> = (0..*i).collect();
            map_ordered(&inner, |j| j * 2).iter().sum::<usize>()
        });
        let expected: Vec<usize> = items.iter().map(|i| i * i.saturating_sub(1)).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn short_inputs_run_inline() {
        let out = map_ordered(&[5], |x| x + 1);
        assert_eq!(out, vec![6]);
        let none: Vec<i32> = map_ordered(&[] as &[i32], |x| *x);
        assert!(none.is_empty());
    }
}
