//! The system-string dictionary: 32 property names and GeoJSON words common enough in Cosmos
//! documents that the format spends a whole marker on each (`0x20 + index`).
//!
//! The list, its spelling and its order are the service's; an entry out of place would turn
//! every `"id"` into another word. There is no two-byte system-string form: markers `0x40..0x68`
//! are *user* strings, which name a dictionary outside the buffer (see `decode`).

use crate::markers::SYSTEM_STRING_START;

/// Entry `i` is the string of marker `0x20 + i`.
pub(crate) const SYSTEM_STRINGS: [&str; 32] = [
    "$s",                 // 0x20
    "$t",                 // 0x21
    "$v",                 // 0x22
    "_attachments",       // 0x23
    "_etag",              // 0x24
    "_rid",               // 0x25
    "_self",              // 0x26
    "_ts",                // 0x27
    "attachments/",       // 0x28
    "coordinates",        // 0x29
    "geometry",           // 0x2A
    "GeometryCollection", // 0x2B
    "id",                 // 0x2C
    "url",                // 0x2D
    "Value",              // 0x2E
    "label",              // 0x2F
    "LineString",         // 0x30
    "link",               // 0x31
    "MultiLineString",    // 0x32
    "MultiPoint",         // 0x33
    "MultiPolygon",       // 0x34
    "name",               // 0x35
    "Name",               // 0x36
    "Type",               // 0x37
    "Point",              // 0x38
    "Polygon",            // 0x39
    "properties",         // 0x3A
    "type",               // 0x3B
    "value",              // 0x3C
    "Feature",            // 0x3D
    "FeatureCollection",  // 0x3E
    "_id",                // 0x3F
];

/// The string a system-string marker stands for, or `None` outside `0x20..0x40`.
pub(crate) fn system_string(marker: u8) -> Option<&'static str> {
    let index = marker.checked_sub(SYSTEM_STRING_START)?;
    SYSTEM_STRINGS.get(usize::from(index)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markers::SYSTEM_STRING_END;

    /// Every marker of the family has an entry, and no entry lies outside the family.
    #[test]
    fn the_table_fills_the_marker_range_exactly() {
        assert_eq!(
            SYSTEM_STRINGS.len(),
            usize::from(SYSTEM_STRING_END - SYSTEM_STRING_START)
        );
        assert_eq!(system_string(0x20), Some("$s"));
        assert_eq!(system_string(0x2C), Some("id"));
        assert_eq!(system_string(0x3F), Some("_id"));
        assert_eq!(system_string(0x1F), None);
        assert_eq!(system_string(0x40), None);
    }

    /// A dictionary maps one way only if its entries differ; case matters (`name`, `Name`).
    #[test]
    fn entries_are_distinct() {
        for (i, a) in SYSTEM_STRINGS.iter().enumerate() {
            for b in &SYSTEM_STRINGS[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
