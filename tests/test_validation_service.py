"""Service validation messages, exactly as a v1.32 apiserver words them.

Name rules: v1.32 apimachinery says "a DNS-1035 label" for Service names and
"a lowercase RFC 1123 label/subdomain" (not the pre-1.20 "a DNS-1123 label")
for port names and externalName.
"""
from lab.sim.api.defaults import apply_defaults, prepare_service_for_create, prepare_service_for_update
from lab.sim.api.validation import validate

RFC1123_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                 "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def svc(name="web", **spec):
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    obj["spec"].update(spec)
    apply_defaults(obj)
    prepare_service_for_create(obj)
    return obj


def msgs(obj, old=None):
    return [str(e) for e in validate(obj, old)]


def test_valid_service_has_no_errors():
    assert msgs(svc()) == []


def test_name_dns1035():
    assert msgs(svc("1web")) == [
        "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric "
        "characters or '-', start with an alphabetic character, and end with an alphanumeric character "
        "(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]


def test_name_too_long():
    name = "a" * 64
    assert msgs(svc(name)) == [f'metadata.name: Invalid value: "{name}": must be no more than 63 characters']


def test_ports_required():
    assert msgs(svc(ports=[])) == ["spec.ports: Required value"]


def test_port_range():
    assert msgs(svc(ports=[{"port": 0, "targetPort": 80}])) == [
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"]


def test_int_target_port_range():
    assert msgs(svc(ports=[{"port": 80, "targetPort": 70000}])) == [
        "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]


def test_port_name_required_when_several():
    assert msgs(svc(ports=[{"port": 80, "name": "http"}, {"port": 443}])) == ["spec.ports[1].name: Required value"]


def test_duplicate_port_name():
    assert msgs(svc(ports=[{"port": 80, "name": "http"}, {"port": 81, "name": "http"}])) == [
        'spec.ports[1].name: Duplicate value: "http"']


def test_port_name_rfc1123_label():
    assert msgs(svc(ports=[{"port": 80, "name": "Http"}])) == [
        f'spec.ports[0].name: Invalid value: "Http": {RFC1123_LABEL}']


def test_protocol_unsupported():
    assert msgs(svc(ports=[{"port": 80, "protocol": "HTTP"}])) == [
        'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']


def test_duplicate_port_protocol_struct_dump():
    # The key is built from Protocol and Port only, so TargetPort prints as zero.
    assert msgs(svc(ports=[{"port": 80, "name": "a"}, {"port": 80, "name": "b"}])) == [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), '
        'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}']


def test_named_target_port_iana_rules():
    assert msgs(svc(ports=[{"port": 80, "targetPort": "http_web-server-01"}])) == [
        'spec.ports[0].targetPort: Invalid value: "http_web-server-01": must be no more than 15 characters',
        'spec.ports[0].targetPort: Invalid value: "http_web-server-01": must contain only alpha-numeric '
        'characters (a-z, 0-9), and hyphens (-)']
    assert msgs(svc(ports=[{"port": 80, "targetPort": "-8--0"}])) == [
        'spec.ports[0].targetPort: Invalid value: "-8--0": must contain at least one letter (a-z)',
        'spec.ports[0].targetPort: Invalid value: "-8--0": must not contain consecutive hyphens',
        'spec.ports[0].targetPort: Invalid value: "-8--0": must not begin or end with a hyphen']


def test_node_port_forbidden_for_cluster_ip():
    assert msgs(svc(ports=[{"port": 80, "nodePort": 30080}])) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]


def test_duplicate_node_port():
    assert msgs(svc(type="NodePort", ports=[{"port": 80, "name": "a", "nodePort": 30080},
                                            {"port": 81, "name": "b", "nodePort": 30080}])) == [
        "spec.ports[1].nodePort: Duplicate value: 30080"]


def test_type_unsupported():
    assert msgs(svc(type="Nodeport")) == [
        'spec.type: Unsupported value: "Nodeport": supported values: "ClusterIP", "ExternalName", '
        '"LoadBalancer", "NodePort"']


def test_headless_nodeport_and_lb():
    assert msgs(svc(type="NodePort", clusterIP="None")) == [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]
    assert msgs(svc(type="LoadBalancer", clusterIP="None")) == [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"]


def test_none_must_stand_alone():
    assert msgs(svc(clusterIP="None", clusterIPs=["None", "10.96.0.5"])) == [
        "spec.clusterIPs: Invalid value: []string{\"None\", \"10.96.0.5\"}: 'None' must be the first and only value"]


def test_external_name_required():
    obj = svc(type="ExternalName", ports=[])
    assert msgs(obj) == ["spec.externalName: Required value"]


def test_external_name_subdomain():
    assert msgs(svc(type="ExternalName", externalName="My_DB.example.com.")) == [
        'spec.externalName: Invalid value: "My_DB.example.com": a lowercase RFC 1123 subdomain must consist of '
        "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]


def test_external_name_forbids_cluster_ips():
    assert msgs(svc(type="ExternalName", externalName="db.example.com", clusterIP="10.96.0.9")) == [
        "spec.clusterIPs: Forbidden: may not be set for ExternalName services"]


def test_cluster_ip_must_be_ip():
    assert msgs(svc(clusterIP="10.96.0.300")) == [
        'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or '
        '2001:db8::ffff)']


def test_cluster_ip_immutable_on_update():
    old = svc(clusterIP="10.96.0.50")
    new = svc(clusterIP="10.96.0.99")
    prepare_service_for_update(new, old)
    assert msgs(new, old) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set']


def test_update_without_cluster_ip_keeps_it():
    old = svc(clusterIP="10.96.0.50")
    new = svc()
    prepare_service_for_update(new, old)
    assert new["spec"]["clusterIPs"] == ["10.96.0.50"]
    assert msgs(new, old) == []


def test_session_affinity_unsupported():
    assert msgs(svc(sessionAffinity="Sticky")) == [
        'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']


def test_session_affinity_timeout():
    obj = svc(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 0}})
    assert msgs(obj) == ["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater "
                         "than 0 and less than 86400"]


def test_external_traffic_policy_only_external():
    assert msgs(svc(externalTrafficPolicy="Local")) == [
        'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']


def test_load_balancer_source_ranges():
    assert msgs(svc(loadBalancerSourceRanges=["10.0.0.0/8"])) == [
        "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"]
    assert msgs(svc(type="LoadBalancer", loadBalancerSourceRanges=["10.0.0.0"])) == [
        'spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0": must be a valid CIDR value, '
        '(e.g. 10.9.8.0/24 or 2001:db8::/64)']


def test_external_ips():
    assert msgs(svc(externalIPs=["1.2.3"])) == [
        'spec.externalIPs[0]: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or '
        '2001:db8::ffff)']
    assert msgs(svc(externalIPs=["127.0.0.1"])) == [
        'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']


def test_selector_bad_value_and_key():
    assert msgs(svc(selector={"app": "my app"})) == [
        "spec.selector: Invalid value: \"my app\": a valid label must be an empty string or consist of "
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]
    assert msgs(svc(selector={"-app": "web"})) == [
        "spec.selector: Invalid value: \"-app\": name part must consist of alphanumeric characters, '-', '_' or "
        "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]
