// SPDX-License-Identifier: GPL-2.0

//! The sizes of a module's sections, from `llvm-size -A` (System V format:
//! one `NAME SIZE ADDR` line per section, decimal), summed into the usual
//! groups: `.text` with `.text.*`, `.init.text` and `.exit.text`; likewise
//! `.rodata`, `.data` and `.bss`.

/// The summed sizes of one module, in bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub text: u64,
    pub rodata: u64,
    pub data: u64,
    pub bss: u64,
}

/// The group of a section name: `.text`, `.text.unlikely`, `.init.text`
/// are text; `.rodata.str1.1` is rodata; `.init.data` is data; others
/// (`.modinfo`, `.gnu.linkonce.this_module`, notes) none.
fn group(name: &str) -> Option<usize> {
    ["text", "rodata", "data", "bss"].iter().position(|g| {
        let dotted = format!(".{g}");
        name == dotted
            || name.starts_with(&format!("{dotted}."))
            || name == format!(".init{dotted}")
            || name == format!(".exit{dotted}")
    })
}

/// Parses `llvm-size -A FILE`'s output; an error names a line it could
/// not read or says that no section was found.
pub fn parse_size_a(text: &str) -> Result<Sizes, String> {
    let mut sums = [0u64; 4];
    let mut sections = 0;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [name, size, _addr] if name.starts_with('.') || name.starts_with("__") => {
                let size: u64 = size
                    .parse()
                    .map_err(|_| format!("no decimal size in '{line}'"))?;
                sections += 1;
                if let Some(g) = group(name) {
                    sums[g] += size;
                }
            }
            _ => {}
        }
    }
    if sections == 0 {
        return Err("no section lines (llvm-size -A output expected)".into());
    }
    let [text, rodata, data, bss] = sums;
    Ok(Sizes {
        text,
        rodata,
        data,
        bss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "x.ko  :
section                       size   addr
__bug_table                     12      0
.data                            4      0
.text                          932      0
.text.unlikely                  10      0
.init.text                     142      0
.exit.text                      40      0
.init.data                       8      0
.modinfo                       159      0
.bss                            16      0
.rodata.str1.1                 132      0
.rodata                        264      0
.gnu.linkonce.this_module     1024      0
.data..read_mostly               2      0
Total                         2920

";

    #[test]
    fn sums_each_group_of_sections() {
        let s = parse_size_a(SAMPLE).unwrap();
        assert_eq!(
            s,
            Sizes {
                text: 932 + 10 + 142 + 40,
                rodata: 132 + 264,
                data: 4 + 8 + 2,
                bss: 16
            }
        );
    }

    #[test]
    fn names_that_only_look_alike_are_not_counted() {
        assert_eq!(group(".textual"), None);
        assert_eq!(group(".modinfo"), None);
        assert_eq!(group(".gnu.linkonce.this_module"), None);
        assert_eq!(group(".exit.text"), Some(0));
    }

    #[test]
    fn refuses_other_input() {
        assert!(parse_size_a("text data bss dec hex filename\n1 2 3 6 6 x.ko\n").is_err());
        assert!(parse_size_a(".text abc 0\n").is_err());
    }
}
