//! `traceparent` (W3C Trace Context Level 1): every valid value is read whole, any
//! one character made invalid makes it invalid, and any bytes at all are read as the
//! oracle reads them, without a panic.

use axum_api_error::trace_context::{SpanId, TraceId, TraceParent};
use testkit::oracle;

use super::*;

/// A valid `traceparent`: a version (not `ff`), non-zero ids, any flags, and for a
/// version past `00` maybe a `-` and more.
fn valid_traceparent() -> impl Strategy<Value = (String, [u8; 16], [u8; 8], u8)> {
    (
        0u8..0xff,
        any::<[u8; 16]>().prop_filter("a non-zero trace id", |b| b != &[0; 16]),
        any::<[u8; 8]>().prop_filter("a non-zero span id", |b| b != &[0; 8]),
        any::<u8>(),
        proptest::option::of("[a-z0-9-]{0,20}"),
    )
        .prop_map(|(version, trace, parent, flags, tail)| {
            let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
            let mut text = format!("{version:02x}-{}-{}-{flags:02x}", hex(&trace), hex(&parent));
            if let (true, Some(tail)) = (version != 0, tail) {
                text.push('-');
                text.push_str(&tail);
            }
            (text, trace, parent, flags)
        })
}

proptest! {
    #![proptest_config(cheap())]

    #[test]
    fn a_valid_traceparent_is_read_whole((text, trace, parent, flags) in valid_traceparent()) {
        let parsed = TraceParent::parse(text.as_bytes());
        prop_assert!(parsed.is_some(), "{text}");
        let parsed = parsed.unwrap();
        prop_assert_eq!(parsed.trace_id(), TraceId::from_bytes(trace).unwrap());
        prop_assert_eq!(parsed.parent_id(), SpanId::from_bytes(parent).unwrap());
        prop_assert_eq!(parsed.flags(), flags);
        prop_assert_eq!(parsed.is_sampled(), flags & 1 == 1);
        // Written back as version 00: the same ids, only the sampled flag.
        let written = parsed.to_string();
        prop_assert_eq!(&written[2..53], &text[2..53]);
        prop_assert_eq!(&written[..2], "00");
        prop_assert_eq!(&written[53..], format!("{:02x}", flags & 1));
        let again = TraceParent::parse(written.as_bytes()).unwrap();
        prop_assert_eq!((again.trace_id(), again.parent_id()), (parsed.trace_id(), parsed.parent_id()));
        prop_assert_eq!(again.is_sampled(), parsed.is_sampled());
    }

    #[test]
    fn one_character_made_invalid_makes_it_invalid(
        (text, ..) in valid_traceparent(),
        at in 0usize..55,
        bad in prop::sample::select(&['A', 'F', 'G', 'z', '-', '_', ' ', '.', 'X'][..]),
    ) {
        let mut bytes = text.into_bytes();
        let dash = matches!(at, 2 | 35 | 52);
        // A dash where a dash belongs changes nothing; whitespace only at the ends
        // is trimmed.
        prop_assume!(!(dash && bad == '-'));
        bytes[at] = bad as u8;
        prop_assert_eq!(TraceParent::parse(&bytes), None, "{}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn any_bytes_are_read_as_the_oracle_reads_them(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let parsed = TraceParent::parse(&bytes)
            .map(|p| (p.trace_id().to_string(), p.parent_id().to_string(), p.flags()));
        prop_assert_eq!(parsed, oracle::traceparent(&bytes));
    }

    #[test]
    fn near_valid_bytes_are_read_as_the_oracle_reads_them(
        (text, ..) in valid_traceparent(),
        at in 0usize..60,
        byte in any::<u8>(),
    ) {
        let mut bytes = text.into_bytes();
        if at < bytes.len() {
            bytes[at] = byte;
        } else {
            bytes.push(byte);
        }
        let parsed = TraceParent::parse(&bytes)
            .map(|p| (p.trace_id().to_string(), p.parent_id().to_string(), p.flags()));
        prop_assert_eq!(parsed, oracle::traceparent(&bytes));
    }
}
