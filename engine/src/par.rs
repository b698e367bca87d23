//! Ordered parallel map over a slice, on a thread budget the caller hands in.
//!
//! Builds nest (a kustomization's resources are kustomizations), so a plain "spawn one
//! thread per core" at every level would oversubscribe the machine. Each call instead
//! borrows what is left of one budget ([`Threads`]: the process-wide pool, or a count
//! of a build's own) and returns it when done; a call that finds the budget spent runs
//! on the calling thread alone. Results always come back in item order, so what a
//! caller does with them never depends on the number of threads or on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The most threads one budget holds: more buys nothing on our workloads and costs
/// memory.
const MAX_THREADS: usize = 8;

/// The stack of every build thread, and of the thread the binary runs the CLI on: the
/// parsers, the printer and every walk over a node tree recurse once per level, and
/// must not overflow on a tree nested [`crate::yaml::MAX_DEPTH`] deep, whatever thread
/// it lands on. Only the pages touched are committed.
pub const STACK_BYTES: usize = 64 << 20;

/// The process-wide pool: the available parallelism (at most [`MAX_THREADS`]) minus
/// the calling thread, shared by every budget that does not hold its own count.
fn pool() -> &'static AtomicUsize {
    static SPARE: OnceLock<AtomicUsize> = OnceLock::new();
    SPARE.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        AtomicUsize::new(n.clamp(1, MAX_THREADS) - 1)
    })
}

/// How many threads a piece of work (a build, a print) may use in all, the calling
/// thread included: a value carried in [`crate::BuildOptions::threads`].
///
/// Clones share one budget, so every nested call of a build draws on the same count.
/// Output never depends on it.
#[derive(Clone, Debug, Default)]
pub struct Threads(Budget);

#[derive(Clone, Debug, Default)]
enum Budget {
    /// The process-wide pool.
    #[default]
    Pool,
    /// Spare threads of this budget's own.
    Own(Arc<AtomicUsize>),
}

impl Threads {
    /// A budget of `n` threads in all (1 to 8; 1 runs everything on the calling
    /// thread) of its own, outside the process-wide pool: what `STRATA_THREADS` asks
    /// for.
    pub fn new(n: usize) -> Self {
        Threads(Budget::Own(Arc::new(AtomicUsize::new(
            n.clamp(1, MAX_THREADS) - 1,
        ))))
    }

    fn spare(&self) -> &AtomicUsize {
        match &self.0 {
            Budget::Pool => pool(),
            Budget::Own(n) => n,
        }
    }

    /// Takes up to `want` threads from the budget; returns how many it got.
    fn borrow(&self, want: usize) -> usize {
        let budget = self.spare();
        let mut have = budget.load(Ordering::Relaxed);
        loop {
            let take = have.min(want);
            if take == 0 {
                return 0;
            }
            match budget.compare_exchange_weak(
                have,
                have - take,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return take,
                Err(now) => have = now,
            }
        }
    }
}

/// Gives threads back to their budget, even if a worker panicked.
struct Loan<'a>(&'a Threads, usize);

impl Drop for Loan<'_> {
    fn drop(&mut self) {
        self.0.spare().fetch_add(self.1, Ordering::AcqRel);
    }
}

/// Applies `f` to every item, on as many threads as `threads` allows (the calling
/// thread always works too), and returns the results in item order.
///
/// A panic in `f` is re-raised on the calling thread, as a sequential loop would.
pub fn map_ordered<T, R, F>(threads: &Threads, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    if items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let helpers = threads.borrow(items.len() - 1);
    if helpers == 0 {
        return items.iter().map(&f).collect();
    }
    let _loan = Loan(threads, helpers);
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
        let out = map_ordered(&Threads::default(), &items, |i| {
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
        let out = map_ordered(&Threads::default(), &items, |i| {
            let inner: Vec<usize> = (0..*i).collect();
            map_ordered(&Threads::default(), &inner, |j| j * 2)
                .iter()
                .sum::<usize>()
        });
        let expected: Vec<usize> = items.iter().map(|i| i * i.saturating_sub(1)).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn short_inputs_run_inline() {
        let out = map_ordered(&Threads::default(), &[5], |x| x + 1);
        assert_eq!(out, vec![6]);
        let none: Vec<i32> = map_ordered(&Threads::default(), &[] as &[i32], |x| *x);
        assert!(none.is_empty());
    }

    /// The distinct threads `map_ordered` ran items on, nested one level, with `threads`.
    fn threads_used(threads: &Threads) -> usize {
        let items: Vec<usize> = (0..8).collect();
        let ids = map_ordered(threads, &items, |_| {
            let inner: Vec<usize> = (0..8).collect();
            let mut ids = map_ordered(threads, &inner, |_| {
                std::thread::sleep(std::time::Duration::from_millis(2));
                std::thread::current().id()
            });
            ids.push(std::thread::current().id());
            ids
        });
        let mut all: Vec<_> = ids.into_iter().flatten().collect();
        all.sort_unstable_by_key(|id| format!("{id:?}"));
        all.dedup();
        all.len()
    }

    #[test]
    fn a_budget_of_its_own_bounds_every_nested_call() {
        assert_eq!(threads_used(&Threads::new(1)), 1);
        assert!(threads_used(&Threads::new(3)) <= 3);
        // Spent budgets are given back: the same budget serves a second run.
        assert!(threads_used(&Threads::new(2)) <= 2);
    }

    #[test]
    fn clones_share_one_budget() {
        let threads = Threads::new(2);
        let clone = threads.clone();
        assert_eq!(clone.borrow(5), 1);
        assert_eq!(threads.borrow(5), 0);
        drop(Loan(&threads, 1));
        assert_eq!(clone.borrow(5), 1);
    }
}
