"""String-format checks and Go value renderings used by the validators.

Mirrors k8s.io/apimachinery/pkg/util/validation (v1.32): IsDNS1123Label,
IsDNS1123Subdomain, IsDNS1035Label, IsQualifiedName, IsValidLabelValue,
IsValidPortName, IsValidIP, IsValidCIDR, with their exact messages (v1.32
says "a lowercase RFC 1123 label", not the pre-1.20 "a DNS-1123 label"), and
the `%#v` renderings of Go values that the apiserver prints in field errors.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from lab.sim.api.errors import FieldError, GoLiteral, NOT_SUPPORTED, go_quote, invalid

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                     "and must start and end with an alphanumeric character")
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                         "'-' or '.', and must start and end with an alphanumeric character")
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                     "an alphabetic character, and end with an alphanumeric character")
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                      "an alphanumeric character")
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                   "'.', and must start and end with an alphanumeric character")
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
PERCENT_FMT = "[0-9]+%"
PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"

INVALID_IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
INVALID_CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
FIELD_IMMUTABLE = "field is immutable"
NEGATIVE_MSG = "must be greater than or equal to 0"


def _full(fmt: str) -> re.Pattern[str]:
    return re.compile("^" + fmt + "$")


_DNS1123_LABEL = _full(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = _full(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = _full(DNS1035_LABEL_FMT)
_QUALIFIED_NAME = _full(QUALIFIED_NAME_FMT)
_LABEL_VALUE = _full(LABEL_VALUE_FMT)
_CONFIG_MAP_KEY = _full(CONFIG_MAP_KEY_FMT)
_PERCENT = _full(PERCENT_FMT)
_PORT_NAME_CHARSET = re.compile("^[-a-z0-9]+$")
_ONE_LETTER = re.compile("[a-z]")


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, including its `'a',  or 'b'` double space."""
    if not examples:
        return msg + " (regex used for validation is '" + fmt + "')"
    msg += " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += "'" + example + "', "
    return msg + "regex used for validation is '" + fmt + "')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _DNS1123_LABEL.match(value):
        if _DNS1123_SUBDOMAIN.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _DNS1035_LABEL.match(value):
        errs.append(regex_error(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """IsQualifiedName: `[prefix/]name`, the rule for label and annotation keys."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name",
                                                  "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QUALIFIED_NAME.match(name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name",
                                               "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append(max_len_error(63))
    if not _LABEL_VALUE.match(value):
        errs.append(regex_error(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append(max_len_error(253))
    if not _CONFIG_MAP_KEY.match(value):
        errs.append(regex_error(CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    """IsValidPortName: the IANA_SVC_NAME rules, one message per broken rule."""
    errs = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not _PORT_NAME_CHARSET.match(port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _ONE_LETTER.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_percent(value: str) -> list[str]:
    return [] if _PERCENT.match(value) else [regex_error(PERCENT_MSG, PERCENT_FMT, "1%", "93%")]


def parse_ip_sloppy(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """netutils.ParseIPSloppy: Go's pre-1.17 net.ParseIP, which allows leading zeros in IPv4."""
    if not isinstance(value, str) or not value:
        return None
    parts = value.split(".")
    if len(parts) == 4 and all(p.isdigit() and 1 <= len(p) <= 3 and p.isascii() for p in parts):
        nums = [int(p, 10) for p in parts]
        if all(n <= 255 for n in nums):
            return ipaddress.IPv4Address(".".join(str(n) for n in nums))
        return None
    if ":" in value and "%" not in value:
        try:
            return ipaddress.IPv6Address(value)
        except ValueError:
            return None
    return None


def is_valid_ip(path: str, value: str) -> list[FieldError]:
    return [] if parse_ip_sloppy(value) is not None else [invalid(path, value, INVALID_IP_MSG)]


def is_valid_cidr(path: str, value: str) -> list[FieldError]:
    """IsValidCIDR with ParseCIDRSloppy: host bits may be set."""
    ip_text, sep, bits = value.partition("/")
    ip = parse_ip_sloppy(ip_text)
    ok = bool(sep) and ip is not None and bits.isdigit() and int(bits) <= ip.max_prefixlen
    return [] if ok else [invalid(path, value, INVALID_CIDR_MSG)]


def not_supported_in_order(path: str, value: Any, valid: list[str]) -> FieldError:
    """field.NotSupported with the values in the caller's order (the Go helper does not sort;
    callers that pass sets.List(...) pass them sorted)."""
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid)
    return FieldError(NOT_SUPPORTED, path, value, detail)


# ---- Go %#v renderings -----------------------------------------------------

def go_map(value: dict[str, str] | None) -> GoLiteral:
    """`map[string]string{"app":"nginx"}` (Go sorts map keys), `map[string]string(nil)` for nil."""
    if value is None:
        return GoLiteral("map[string]string(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(value.items()))
    return GoLiteral("map[string]string{" + items + "}")


def _go_str_slice(values: list[str] | None) -> str:
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(str(v)) for v in values) + "}"


def intstr_fields(value: Any) -> tuple[int, int, str]:
    """(Type, IntVal, StrVal) of an IntOrString decoded from JSON (int or str)."""
    if isinstance(value, str):
        return 1, 0, value
    if isinstance(value, int) and not isinstance(value, bool):
        return 0, value, ""
    return 0, 0, ""


def go_intstr(value: Any) -> str:
    t, i, s = intstr_fields(value)
    return f"intstr.IntOrString{{Type:{t}, IntVal:{i}, StrVal:{go_quote(s)}}}"


def go_label_selector(selector: dict[str, Any] | None) -> GoLiteral:
    """A *metav1.LabelSelector as the apiserver prints it (`v1.LabelSelector{...}`)."""
    if selector is None:
        return GoLiteral("null")
    labels = selector.get("matchLabels")
    exprs = selector.get("matchExpressions")
    if exprs is None:
        expr_text = "[]v1.LabelSelectorRequirement(nil)"
    else:
        expr_text = "[]v1.LabelSelectorRequirement{" + ", ".join(
            "v1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:%s}" % (
                go_quote(str(e.get("key", ""))), go_quote(str(e.get("operator", ""))),
                _go_str_slice(e.get("values")))
            for e in exprs) + "}"
    return GoLiteral(f"v1.LabelSelector{{MatchLabels:{go_map(labels).text}, MatchExpressions:{expr_text}}}")


def go_service_port_key(protocol: str, port: int) -> GoLiteral:
    """The `core.ServicePort{Protocol, Port}` key the duplicate-port check reports."""
    return GoLiteral(
        f'core.ServicePort{{Name:"", Protocol:{go_quote(protocol)}, AppProtocol:(*string)(nil), Port:{port}, '
        f'TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:""}}, NodePort:0}}')


def go_string_slice_literal(values: list[str]) -> GoLiteral:
    return GoLiteral(_go_str_slice(values))


def go_family_slice_literal(values: list[str] | None) -> GoLiteral:
    """`[]core.IPFamily{"IPv4"}`: ipFamilies is a slice of a named string type."""
    if values is None:
        return GoLiteral("[]core.IPFamily(nil)")
    return GoLiteral("[]core.IPFamily{" + ", ".join(go_quote(v) for v in values) + "}")
