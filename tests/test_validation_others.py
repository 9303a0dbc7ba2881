"""Namespace, Endpoints and EndpointSlice validation messages (v1.32)."""
from lab.sim.api.validation import validate


def msgs(obj, old=None):
    return [str(e) for e in validate(obj, old)]


def test_namespace_name_rfc1123_label():
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev.team"}}
    assert msgs(obj) == ['metadata.name: Invalid value: "dev.team": must not contain dots']
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Dev"}}
    assert msgs(obj) == [
        "metadata.name: Invalid value: \"Dev\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
        "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
        "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]


def test_endpoints_subset_needs_addresses_and_valid_ip():
    obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ext", "namespace": "default"},
           "subsets": [{"ports": [{"port": 80, "protocol": "TCP"}]},
                       {"addresses": [{"ip": "10.0.0.300"}], "ports": [{"port": 80, "protocol": "TCP"}]}]}
    assert msgs(obj) == [
        "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
        'subsets[1].addresses[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or '
        '2001:db8::ffff)',
        'subsets[1].addresses[0].ip: Invalid value: "10.0.0.300": must be a valid IP address']


def test_endpoints_loopback_forbidden():
    obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "ext", "namespace": "default"},
           "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": 80, "protocol": "TCP"}]}]}
    assert msgs(obj) == ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range '
                         '(127.0.0.0/8, ::1/128)']


def test_endpoint_slice_address_type_and_ipv4():
    obj = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": {"name": "s", "namespace": "default"}, "addressType": "IPv4",
           "endpoints": [{"addresses": ["fe80::1"]}], "ports": [{"port": 80, "protocol": "TCP", "name": ""}]}
    assert msgs(obj) == ['endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address']
    old = dict(obj, addressType="IPv6")
    assert msgs(obj, old)[-1] == 'addressType: Invalid value: "IPv4": field is immutable'
