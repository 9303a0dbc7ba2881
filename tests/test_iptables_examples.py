"""Expected kube-proxy outputs from upstream tests and a real node (see
/work/shared/reference/kube-proxy-examples.md E1-E4)."""

E1 = '*filter\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n*nat\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SEP-3JOIVZTXZZRGORX4 - [0:0]\n:KUBE-SEP-IO5XOSKPAXIFQXAJ - [0:0]\n:KUBE-SEP-XGJFVO3L2O5SRFNT - [0:0]\n:KUBE-SVC-AQI2S6QIMU7PVVRP - [0:0]\n-A KUBE-SERVICES -m comment --comment "ns1/svc1 cluster IP" -m tcp -p tcp -d 172.30.1.1 --dport 80 -j KUBE-SVC-AQI2S6QIMU7PVVRP\n-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE\n-A KUBE-SEP-3JOIVZTXZZRGORX4 -m comment --comment ns1/svc1 -s 10.0.1.1 -j KUBE-MARK-MASQ\n-A KUBE-SEP-3JOIVZTXZZRGORX4 -m comment --comment ns1/svc1 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80\n-A KUBE-SEP-IO5XOSKPAXIFQXAJ -m comment --comment ns1/svc1 -s 10.0.1.2 -j KUBE-MARK-MASQ\n-A KUBE-SEP-IO5XOSKPAXIFQXAJ -m comment --comment ns1/svc1 -m tcp -p tcp -j DNAT --to-destination 10.0.1.2:80\n-A KUBE-SEP-XGJFVO3L2O5SRFNT -m comment --comment ns1/svc1 -s 10.0.1.3 -j KUBE-MARK-MASQ\n-A KUBE-SEP-XGJFVO3L2O5SRFNT -m comment --comment ns1/svc1 -m tcp -p tcp -j DNAT --to-destination 10.0.1.3:80\n-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 cluster IP" -m tcp -p tcp -d 172.30.1.1 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.1:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-3JOIVZTXZZRGORX4\n-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-IO5XOSKPAXIFQXAJ\n-A KUBE-SVC-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.3:80" -j KUBE-SEP-XGJFVO3L2O5SRFNT\nCOMMIT\n'

E2 = '*filter\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT\n-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT\n-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP\n-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP\n-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP\n-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP\n-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP\nCOMMIT\n*nat\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-EXT-4SW47YFZTEDKD3PK - [0:0]\n:KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]\n:KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]\n:KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]\n:KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]\n:KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]\n:KUBE-SEP-OYPFS5VJICHGATKP - [0:0]\n:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]\n:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n:KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]\n:KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]\n:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]\n:KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]\n:KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]\n:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3003 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-X27LE4BHSL4DOUIK\n-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK\n-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3002 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-NUKIZ6OKUXPJNT4C\n-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C\n-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT\n-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK\n-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK\n-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK\n-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C\n-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C\n-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ\n-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK\n-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ\n-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C\n-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ\n-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK\n-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C\n-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE\n-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ\n-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80\n-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ\n-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80\n-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ\n-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80\n-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ\n-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80\n-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ\n-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80\n-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ\n-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80\n-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC\n-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ\n-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ\n-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN\n-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN\n-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP\n-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ\nCOMMIT\n'

E3A_NAT = '*nat\n:KUBE-NODEPORTS - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SEP-3JOIVZTXZZRGORX4 - [0:0]\n:KUBE-SVL-AQI2S6QIMU7PVVRP - [0:0]\n-A KUBE-SERVICES -m comment --comment "ns1/svc1 cluster IP" -m tcp -p tcp -d 172.30.1.1 --dport 80 -j KUBE-SVL-AQI2S6QIMU7PVVRP\n-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE\n-A KUBE-SEP-3JOIVZTXZZRGORX4 -m comment --comment ns1/svc1 -s 10.0.1.1 -j KUBE-MARK-MASQ\n-A KUBE-SEP-3JOIVZTXZZRGORX4 -m comment --comment ns1/svc1 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80\n-A KUBE-SVL-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 cluster IP" -m tcp -p tcp -d 172.30.1.1 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n-A KUBE-SVL-AQI2S6QIMU7PVVRP -m comment --comment "ns1/svc1 -> 10.0.1.1:80" -j KUBE-SEP-3JOIVZTXZZRGORX4\nCOMMIT\n'

E4_NAT = '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-KUBELET-CANARY - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\n:KUBE-SEP-U7HH75UFG3U5VGYY - [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]\n-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n-A KUBE-SEP-U7HH75UFG3U5VGYY -s 192.168.20.100/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ\n-A KUBE-SEP-U7HH75UFG3U5VGYY -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 192.168.20.100:6443\n-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y\n-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ\n-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 192.168.20.100:6443" -j KUBE-SEP-U7HH75UFG3U5VGYY\nCOMMIT\n'

# ---------------------------------------------------------------------------
# Tests: the rules kube-proxy writes, in the upstream tests' canonical form and
# in the iptables-save form a learner sees.

from lab.sim.proxy.base import EndpointInfo, NodeContext, ProxyConfig, ProxyDigest, ServicePortInfo, ServicePortName
from lab.sim.proxy.iptables import chains as cn
from lab.sim.proxy.iptables.model import parse_save, render_table_save, Table
from lab.sim.proxy.iptables.proxier import IptablesBackend

TEST_NODE = NodeContext("test-node", "192.168.0.2", "10.0.0.0/24")
FAKE = dict(random_fully=False, test_notation=True)   # the upstream unit-test fake iptables


def sort_like_upstream(text: str) -> str:
    """pkg/proxy/iptables/proxier_test.go sortIPTablesRules: tables by name,
    chains KUBE-NODEPORTS, KUBE-SERVICES, then other KUBE-* by name; rules
    grouped by chain; KUBE-SERVICES/KUBE-NODEPORTS rules stably sorted by
    service name with the "must be the last rule" rule last."""
    tables: dict[str, tuple[list[str], list[str]]] = {}
    cur = None
    for line in text.splitlines():
        if line.startswith("*"):
            cur = tables.setdefault(line[1:], ([], []))
        elif line.startswith(":"):
            cur[0].append(line)
        elif line.startswith("-A "):
            cur[1].append(line)

    def chain_key(name: str):
        rank = {"KUBE-NODEPORTS": 0, "KUBE-SERVICES": 1}.get(name, 2 if name.startswith("KUBE-") else 3)
        return (rank, name)

    def svc_key(rule: str):
        if "must be the last rule" in rule:
            return "~~~~"
        m = re.search(r'--comment "?([^" :]*)', rule)
        return m.group(1) if m else ""

    out = []
    for tname in sorted(tables):
        chains, rules = tables[tname]
        names = sorted((c[1:].split(" ")[0] for c in chains), key=chain_key)
        out.append(f"*{tname}")
        out.extend(f":{n} - [0:0]" for n in names)
        for n in names:
            rs = [r for r in rules if r.split(" ")[1] == n]
            if n in ("KUBE-SERVICES", "KUBE-NODEPORTS"):
                rs = sorted(rs, key=svc_key)
            out.extend(rs)
        out.append("COMMIT")
    return "\n".join(out) + "\n"


import re  # noqa: E402


def spn(ns, name, port="p80", proto="TCP"):
    return ServicePortName(ns, name, port, proto)


def e1_digest(itp_local=False, nodes=("test-node", "host1", "host2")):
    d = ProxyDigest(cluster_cidr="10.0.0.0/8")
    key = spn("ns1", "svc1", "")
    d.services[key] = ServicePortInfo(key, "172.30.1.1", 80, "TCP", internal_policy_local=itp_local)
    d.endpoints[key] = [EndpointInfo(f"10.0.1.{i + 1}", 80, node_name=n) for i, n in enumerate(nodes)]
    return d


def e2_digest():
    d = ProxyDigest(cluster_cidr="10.0.0.0/8")
    S, E = d.services, d.endpoints
    S[spn("ns1", "svc1")] = ServicePortInfo(spn("ns1", "svc1"), "172.30.0.41", 80, "TCP")
    S[spn("ns2", "svc2")] = ServicePortInfo(
        spn("ns2", "svc2"), "172.30.0.42", 80, "TCP", node_port=3001, external_ips=("192.168.99.22",),
        load_balancer_ips=("1.2.3.4",), external_policy_local=True, health_check_node_port=30000,
        service_type="LoadBalancer")
    S[spn("ns3", "svc3")] = ServicePortInfo(spn("ns3", "svc3"), "172.30.0.43", 80, "TCP", node_port=3003,
                                            service_type="NodePort")
    S[spn("ns4", "svc4")] = ServicePortInfo(spn("ns4", "svc4"), "172.30.0.44", 80, "TCP",
                                            external_ips=("192.168.99.33",), service_type="NodePort")
    S[spn("ns5", "svc5")] = ServicePortInfo(
        spn("ns5", "svc5"), "172.30.0.45", 80, "TCP", node_port=3002, load_balancer_ips=("5.6.7.8",),
        load_balancer_source_ranges=(" 203.0.113.0/25",), session_affinity_seconds=10800,
        service_type="LoadBalancer")
    S[spn("ns6", "svc6")] = ServicePortInfo(spn("ns6", "svc6"), "172.30.0.46", 80, "TCP")
    E[spn("ns1", "svc1")] = [EndpointInfo("10.180.0.1", 80)]
    E[spn("ns2", "svc2")] = [EndpointInfo("10.180.0.2", 80)]
    E[spn("ns3", "svc3")] = [EndpointInfo("10.180.0.3", 80)]
    E[spn("ns4", "svc4")] = [EndpointInfo("10.180.0.4", 80), EndpointInfo("10.180.0.5", 80, node_name="test-node")]
    E[spn("ns5", "svc5")] = [EndpointInfo("10.180.0.3", 80)]
    return d


def sync(digest, **kw):
    return IptablesBackend(**kw).sync(TEST_NODE, digest, ProxyConfig(cluster_cidr=digest.cluster_cidr))


def test_hashes_match_reference_examples():
    assert cn.svc_chain("ns1/svc1:p80", "tcp") == "KUBE-SVC-XPGD46QRK7WJZT7O"
    assert cn.sep_chain("ns1/svc1:p80", "tcp", "10.180.0.1:80") == "KUBE-SEP-SXIVWICOYRO3J4NJ"
    assert cn.ext_chain("ns2/svc2:p80", "tcp") == "KUBE-EXT-GNZBNJ2PO5MGZ6GT"
    assert cn.svl_chain("ns2/svc2:p80", "tcp") == "KUBE-SVL-GNZBNJ2PO5MGZ6GT"
    assert cn.fw_chain("ns2/svc2:p80", "tcp") == "KUBE-FW-GNZBNJ2PO5MGZ6GT"
    assert cn.sep_chain("ns5/svc5:p80", "tcp", "10.180.0.3:80") == "KUBE-SEP-I77PXRDZVX7PMWMN"
    assert cn.svc_chain("ns1/svc1", "tcp") == "KUBE-SVC-AQI2S6QIMU7PVVRP"
    assert cn.sep_chain("ns1/svc1", "tcp", "10.0.1.5:80") == "KUBE-SEP-EQCHZ7S2PJ72OHAY"
    assert cn.svc_chain("default/kubernetes:https", "TCP") == "KUBE-SVC-NPX46M4PTMTKRN6Y"
    assert cn.sep_chain("default/kubernetes:https", "tcp", "192.168.20.100:6443") == "KUBE-SEP-U7HH75UFG3U5VGYY"
    assert cn.svc_chain("kube-system/kube-dns:dns", "udp") == "KUBE-SVC-TCOU7JCQXEZGVUNU"
    assert cn.sep_chain("kube-system/kube-dns:dns-tcp", "tcp", "10.244.2.2:53") == "KUBE-SEP-H7FN6LU3RSH6CC2T"
    assert cn.svc_chain("kube-system/kube-dns:metrics", "tcp") == "KUBE-SVC-JD5MR3NA4I4DYORP"
    assert cn.sep_chain("default/webpod", "tcp", "10.244.1.5:80") == "KUBE-SEP-4XUJ5ZCGHF23EWGS"
    assert cn.ext_chain("default/nginx", "tcp") == "KUBE-EXT-2CMXP7HKUVJN7L6M"
    assert cn.join_host_port("fd00::1", 80) == "[fd00::1]:80"


def test_e1_restore_input_canonical_form():
    assert sort_like_upstream(sync(e1_digest(), **FAKE).restore_input()) == E1


def test_e2_restore_input_canonical_form():
    assert sort_like_upstream(sync(e2_digest(), nfacct=True, **FAKE).restore_input()) == E2


def test_e3a_internal_local_canonical_form():
    got = sort_like_upstream(sync(e1_digest(itp_local=True), **FAKE).restore_input())
    assert got == E1[:E1.index("*nat")] + E3A_NAT


def test_e3b_no_local_endpoints_drops_in_filter():
    got = sort_like_upstream(sync(e1_digest(True, ("host0", "host1", "host2")), **FAKE).restore_input())
    assert ('-A KUBE-SERVICES -m comment --comment "ns1/svc1 has no local endpoints" -m tcp -p tcp '
            '-d 172.30.1.1 --dport 80 -j DROP\n') in got
    nat = got[got.index("*nat"):]
    assert nat.splitlines()[1:5] == [":KUBE-NODEPORTS - [0:0]", ":KUBE-SERVICES - [0:0]",
                                     ":KUBE-MARK-MASQ - [0:0]", ":KUBE-POSTROUTING - [0:0]"]
    assert "KUBE-SVL" not in nat and "KUBE-SEP" not in nat


def _kube_only(table: Table) -> Table:
    t = Table(table.name)
    for name, c in table.chains.items():
        if c.policy is None and name.startswith("KUBE-") and "CANARY" not in name and "HINT" not in name:
            t.chains[name] = c
    return t


def test_e1_and_e2_in_iptables_save_form():
    """The same rules as the upstream expectation, in the form iptables-save prints."""
    for digest, expected, kw in ((e1_digest(), E1, FAKE), (e2_digest(), E2, dict(nfacct=True, **FAKE))):
        rs = sync(digest, **kw)
        want = parse_save(expected)
        for tname in ("filter", "nat"):
            got = render_table_save(_kube_only(rs.tables[tname]))
            assert got == render_table_save(_kube_only(want[tname])), tname


def test_e2_save_form_exact_lines():
    save = sync(e2_digest()).save()
    for line in (
        "-A KUBE-SERVICES -d 172.30.0.46/32 -p tcp -m comment --comment \"ns6/svc6:p80 has no endpoints\" "
        "-m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable",
        "-A KUBE-SEP-I77PXRDZVX7PMWMN -p tcp -m comment --comment \"ns5/svc5:p80\" -m recent --set --name "
        "KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.180.0.3:80",
        "-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment \"ns5/svc5:p80 -> 10.180.0.3:80\" -m recent --rcheck "
        "--seconds 10800 --reap --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource "
        "-j KUBE-SEP-I77PXRDZVX7PMWMN",
        "-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment \"ns4/svc4:p80 -> 10.180.0.4:80\" -m statistic "
        "--mode random --probability 0.50000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC",
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
        "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
    ):
        assert line + "\n" in save, line


def test_e4_real_node_nat_table():
    """A kubeadm node before the CNI: exactly the real `iptables-save -t nat`."""
    d = ProxyDigest(cluster_cidr="10.244.0.0/16")
    key = spn("default", "kubernetes", "https")
    d.services[key] = ServicePortInfo(key, "10.96.0.1", 443, "TCP")
    d.endpoints[key] = [EndpointInfo("192.168.20.100", 6443, node_name="")]
    node = NodeContext("k8s-master", "192.168.20.100", "10.244.0.0/24")
    rs = IptablesBackend(flannel=False).sync(node, d, ProxyConfig())
    from datetime import datetime
    out, err, status = rs.render("iptables-save", ["-t", "nat"], now=datetime(2025, 7, 14, 13, 12, 21))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "# Generated by iptables-save v1.8.9 (nf_tables) on Mon Jul 14 13:12:21 2025"
    assert lines[-1] == "# Completed on Mon Jul 14 13:12:21 2025"
    assert "\n".join(lines[1:-1]) + "\n" == E4_NAT


def test_three_endpoint_probabilities_in_save_form():
    save = sync(e1_digest()).save(table="nat")
    assert "--probability 0.33333333349 -j KUBE-SEP-3JOIVZTXZZRGORX4\n" in save
    assert "--probability 0.50000000000 -j KUBE-SEP-IO5XOSKPAXIFQXAJ\n" in save


def test_restore_input_uses_real_mark_notation_and_random_fully():
    text = sync(e1_digest()).restore_input()
    assert "-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n" in text
    assert "-j MASQUERADE --random-fully\n" in text


def test_large_cluster_mode_drops_endpoint_comments():
    d = ProxyDigest(cluster_cidr="10.0.0.0/8")
    key = spn("ns1", "big", "")
    d.services[key] = ServicePortInfo(key, "172.30.9.9", 80, "TCP")
    d.endpoints[key] = [EndpointInfo(f"10.1.{i // 250}.{i % 250 + 1}", 80) for i in range(1001)]
    text = sync(d).restore_input()
    sep = cn.sep_chain("ns1/big", "tcp", "10.1.0.1:80")
    assert f"-A {sep} -s 10.1.0.1 -j KUBE-MARK-MASQ\n" in text
    assert f"-A {sep} -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:80\n" in text
    assert '-m comment --comment "ns1/big cluster IP"' in text    # service-level comments stay
    assert "ns1/big -> " not in text


def test_partial_sync_reuses_unchanged_blocks_and_renders_like_full():
    be = IptablesBackend()
    d = e2_digest()
    first = be.sync(TEST_NODE, d, ProxyConfig(cluster_cidr=d.cluster_cidr))
    d.endpoints[spn("ns1", "svc1")] = [EndpointInfo("10.180.0.1", 80), EndpointInfo("10.180.0.9", 80)]
    second = be.sync(TEST_NODE, d, ProxyConfig(cluster_cidr=d.cluster_cidr), first, [spn("ns1", "svc1")])
    full = be.sync(TEST_NODE, d, ProxyConfig(cluster_cidr=d.cluster_cidr))
    assert second.save() == full.save()
    assert second._blocks[spn("ns3", "svc3")] is first._blocks[spn("ns3", "svc3")]
    assert "10.180.0.9:80" in second.save()


def test_deleting_endpoints_turns_service_into_reject():
    be = IptablesBackend()
    d = e1_digest()
    first = be.sync(TEST_NODE, d, ProxyConfig(cluster_cidr=d.cluster_cidr))
    d.endpoints.clear()
    second = be.sync(TEST_NODE, d, ProxyConfig(cluster_cidr=d.cluster_cidr), first, [spn("ns1", "svc1", "")])
    assert "KUBE-SVC-AQI2S6QIMU7PVVRP" not in second.save()
    assert ('-A KUBE-SERVICES -d 172.30.1.1/32 -p tcp -m comment --comment "ns1/svc1 has no endpoints" '
            '-m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable\n') in second.save(table="filter")
