//! Go's `filepath.Match` and `filepath.Glob`, which kustomize's `edit` commands use to
//! expand their path arguments (`add resource 'x*'`) and to select entries to remove.

use std::path::Path;

use crate::fs::Fs;

/// Matches `name` against a Go `filepath.Match` pattern (`*`, `?`, `[...]` with ranges and
/// `^` negation, `\` escapes); `*` and `?` never match `/`. Err for a malformed pattern.
pub fn matches(pattern: &str, name: &str) -> Result<bool, String> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matcher with one backtrack point per `*`: linear in practice, and never
    // recursive, so a long pattern cannot exhaust the stack.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' if ni < n.len() && n[ni] != '/' => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                '[' if ni < n.len() => {
                    let (ok, next) = class(&p, pi, n[ni])?;
                    if ok && n[ni] != '/' {
                        pi = next;
                        ni += 1;
                        continue;
                    }
                }
                '\\' if pi + 1 < p.len() && ni < n.len() && p[pi + 1] == n[ni] => {
                    pi += 2;
                    ni += 1;
                    continue;
                }
                '\\' if pi + 1 >= p.len() => return Err(bad(pattern)),
                c if c != '[' && c != '?' && c != '\\' && ni < n.len() && c == n[ni] => {
                    pi += 1;
                    ni += 1;
                    continue;
                }
                _ => {}
            }
        } else if ni == n.len() {
            return Ok(true);
        }
        // Mismatch: let the last `*` take one more character (never a `/`).
        match star {
            Some((sp, sn)) if sn < n.len() && n[sn] != '/' => {
                star = Some((sp, sn + 1));
                pi = sp + 1;
                ni = sn + 1;
            }
            _ => {
                // Go reports a malformed pattern even when the name fails first.
                check(&p, pattern)?;
                return Ok(false);
            }
        }
    }
}

fn bad(pattern: &str) -> String {
    format!("syntax error in pattern {pattern:?}")
}

/// Checks the rest of a pattern is well formed.
fn check(p: &[char], pattern: &str) -> Result<(), String> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => i = class(p, i, '\0')?.1,
            '\\' if i + 1 >= p.len() => return Err(bad(pattern)),
            '\\' => i += 2,
            _ => i += 1,
        }
    }
    Ok(())
}

/// Reads the character class starting at `p[at] == '['`; returns whether `c` is in it and
/// the index after its `]`.
fn class(p: &[char], at: usize, c: char) -> Result<(bool, usize), String> {
    let pattern: String = p.iter().collect();
    let mut i = at + 1;
    let negate = p.get(i) == Some(&'^');
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        match p.get(i) {
            None => return Err(bad(&pattern)),
            Some(']') if !first => return Ok((hit != negate, i + 1)),
            _ => {}
        }
        first = false;
        let lo = esc(p, &mut i, &pattern)?;
        let hi = if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|x| *x != ']') {
            i += 1;
            esc(p, &mut i, &pattern)?
        } else {
            lo
        };
        if lo <= c && c <= hi {
            hit = true;
        }
    }
}

fn esc(p: &[char], i: &mut usize, pattern: &str) -> Result<char, String> {
    let c = *p.get(*i).ok_or_else(|| bad(pattern))?;
    if c == '\\' {
        let e = *p.get(*i + 1).ok_or_else(|| bad(pattern))?;
        *i += 2;
        return Ok(e);
    }
    if c == '-' || c == ']' && *i > 0 && p[*i - 1] != '[' && p[*i - 1] != '^' {
        return Err(bad(pattern));
    }
    *i += 1;
    Ok(c)
}

/// Returns true when `s` holds a glob metacharacter.
pub fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

/// Expands `pattern` (relative to `dir`, or absolute) as Go's `filepath.Glob` does: the
/// matching paths, sorted, spelled as the pattern spells them; a pattern without
/// metacharacters yields itself when it exists.
pub fn glob(fs: &dyn Fs, dir: &Path, pattern: &str) -> Result<Vec<String>, String> {
    if !has_meta(pattern) {
        return Ok(if fs.kind(&dir.join(pattern)).is_some() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    }
    let (root, rest) = match pattern.strip_prefix('/') {
        Some(r) => ("/".to_string(), r),
        None => (String::new(), pattern),
    };
    let mut found = vec![root];
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        let mut next = Vec::new();
        for base in &found {
            let join = |name: &str| {
                if base.is_empty() {
                    name.to_string()
                } else if base.ends_with('/') {
                    format!("{base}{name}")
                } else {
                    format!("{base}/{name}")
                }
            };
            if !has_meta(seg) {
                let cand = join(seg);
                if fs.kind(&dir.join(&cand)).is_some() {
                    next.push(cand);
                }
                continue;
            }
            let at = if base.is_empty() {
                dir.to_path_buf()
            } else {
                dir.join(base)
            };
            let Ok(entries) = fs.read_dir(&at) else {
                continue;
            };
            for e in entries {
                let Some(name) = e.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if matches(seg, name)? {
                    next.push(join(name));
                }
            }
        }
        found = next;
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_semantics() {
        let m = |p: &str, n: &str| matches(p, n).unwrap_or(false);
        assert!(m("*.yaml", "a.yaml"));
        assert!(!m("*.yaml", "d/a.yaml"));
        assert!(m("d/*", "d/a"));
        assert!(m("a?c", "abc"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[^a-c]x", "bx"));
        assert!(m("\\*", "*"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXbYbc"));
        assert!(matches("[", "a").is_err());
        assert!(matches("a[", "b").is_err());
    }
}
