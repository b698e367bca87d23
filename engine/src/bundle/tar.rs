//! Canonical tar archives: the same entries always give the same bytes.
//!
//! Entries are sorted by path; every header has owner 0:0 with empty owner names, mode
//! 0644 (files) or 0755 (directories), the one given mtime, and the POSIX ustar magic.
//! A path longer than the 100 bytes of a ustar name is carried by a PAX `path` record
//! (itself with a fixed header), as POSIX.1-2001 specifies. The archive ends with the two
//! zero blocks of the format. A small reader for the same format (and plain ustar) serves
//! `strata verify`.

/// One archive member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The path, `/`-separated, relative; directories end without a slash.
    pub path: String,
    /// The contents (empty for a directory).
    pub data: Vec<u8>,
    /// True for a directory.
    pub dir: bool,
}

const BLOCK: usize = 512;

/// Writes `entries`, sorted by path, as a canonical tar with every mtime set to `mtime`.
pub fn write(entries: &[Entry], mtime: u64) -> Vec<u8> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out = Vec::new();
    for e in sorted {
        let name = if e.dir {
            format!("{}/", e.path)
        } else {
            e.path.clone()
        };
        if name.len() > 100 {
            let record = pax_record("path", &name);
            let mut cut = name.len().saturating_sub(60);
            while !name.is_char_boundary(cut) {
                cut += 1;
            }
            let short = format!("PaxHeaders/{}", &name[cut..]);
            push_header(
                &mut out,
                &truncate(&short, 100),
                0o644,
                record.len() as u64,
                mtime,
                b'x',
            );
            push_data(&mut out, &record);
        }
        let (mode, flag) = if e.dir { (0o755, b'5') } else { (0o644, b'0') };
        push_header(
            &mut out,
            &truncate(&name, 100),
            mode,
            e.data.len() as u64,
            mtime,
            flag,
        );
        push_data(&mut out, &e.data);
    }
    out.extend_from_slice(&[0u8; BLOCK * 2]);
    out
}

fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// A PAX record: `LEN key=value\n`, where LEN counts the whole record, itself included.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while len.to_string().len() + body.len() != len {
        len = len.to_string().len() + body.len();
    }
    format!("{len}{body}").into_bytes()
}

fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let s = format!("{value:0width$o}");
    let bytes = s.as_bytes();
    let start = bytes.len().saturating_sub(width);
    field[..width].copy_from_slice(&bytes[start..]);
    field[width] = 0;
}

fn push_header(out: &mut Vec<u8>, name: &str, mode: u64, size: u64, mtime: u64, flag: u8) {
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], mode);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = flag;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], 0);
    octal(&mut h[337..345], 0);
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    let s = format!("{sum:06o}");
    h[148..154].copy_from_slice(s.as_bytes());
    h[154] = 0;
    h[155] = b' ';
    out.extend_from_slice(&h);
}

fn push_data(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    let pad = (BLOCK - data.len() % BLOCK) % BLOCK;
    out.extend(std::iter::repeat_n(0u8, pad));
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let s: String = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as char)
        .collect();
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Reads a tar archive's regular files and directories; `Err` says what is malformed.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut long_name: Option<String> = None;
    while pos + BLOCK <= bytes.len() {
        let h = &bytes[pos..pos + BLOCK];
        if h.iter().all(|&b| b == 0) {
            return Ok(out);
        }
        let size = parse_octal(&h[124..136])
            .ok_or_else(|| format!("bad size field in the header at offset {pos}"))?;
        let size =
            usize::try_from(size).map_err(|_| format!("entry at offset {pos} is too large"))?;
        let start = pos + BLOCK;
        let end = start
            .checked_add(size)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| format!("entry at offset {pos} runs past the end of the archive"))?;
        let data = &bytes[start..end];
        let mut name = cstr(&h[0..100]);
        if &h[257..262] == b"ustar" {
            let prefix = cstr(&h[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        match h[156] {
            b'x' => {
                let text = String::from_utf8_lossy(data);
                for rec in text.split_inclusive('\n') {
                    if let Some((_, kv)) = rec.split_once(' ')
                        && let Some(v) = kv.strip_prefix("path=")
                    {
                        long_name = Some(v.trim_end_matches('\n').to_string());
                    }
                }
            }
            b'L' => long_name = Some(cstr(data)),
            flag @ (b'0' | 0 | b'5') => {
                let name = long_name.take().unwrap_or(name);
                let name = name.trim_start_matches("./").to_string();
                let dir = flag == b'5' || name.ends_with('/');
                out.push(Entry {
                    path: name.trim_end_matches('/').to_string(),
                    data: data.to_vec(),
                    dir,
                });
            }
            _ => {
                long_name = None;
            }
        }
        pos = start + size.div_ceil(BLOCK) * BLOCK;
    }
    if pos == bytes.len() {
        Ok(out)
    } else {
        Err("archive is truncated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str, d: &[u8]) -> Entry {
        Entry {
            path: p.into(),
            data: d.to_vec(),
            dir: false,
        }
    }

    #[test]
    fn order_of_input_does_not_matter_and_round_trips() {
        let long = format!("blobs/{}", "a".repeat(120));
        let a = vec![
            file("b", b"2"),
            file("a", b"1"),
            file(&long, b"3"),
            Entry {
                path: "blobs".into(),
                data: vec![],
                dir: true,
            },
        ];
        let mut b = a.clone();
        b.reverse();
        let ta = write(&a, 7);
        assert_eq!(ta, write(&b, 7));
        assert_ne!(ta, write(&a, 8));
        assert_eq!(ta.len() % 512, 0);
        let back = read(&ta).unwrap_or_default();
        let names: Vec<&str> = back.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, vec!["a", "b", "blobs", long.as_str()]);
        assert_eq!(back[3].data, b"3");
        assert!(back[2].dir);
    }

    #[test]
    fn header_checksum_is_valid_and_fields_are_fixed() {
        let t = write(&[file("x.yaml", b"hello")], 0);
        let h = &t[..512];
        assert_eq!(&h[257..263], b"ustar\0");
        assert_eq!(&h[100..108], b"0000644\0");
        let mut sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        sum -= h[148..156].iter().map(|&b| u64::from(b)).sum::<u64>();
        sum += 8 * u64::from(b' ');
        assert_eq!(parse_octal(&h[148..155]), Some(sum));
        assert!(read(&t[..600]).is_err());
    }

    #[test]
    fn pax_record_length_counts_itself() {
        let r = pax_record("path", "abc");
        assert_eq!(r, b"12 path=abc\n");
        let long = "x".repeat(95);
        let r = pax_record("path", &long);
        let n: usize = String::from_utf8_lossy(&r)
            .split(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        assert_eq!(n, r.len());
    }
}
