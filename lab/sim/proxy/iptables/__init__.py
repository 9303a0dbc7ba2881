"""kube-proxy's iptables mode: the rules it writes (proxier), the structured
model they live in (model), how netfilter walks them (evaluate), the
chain-name hashes (chains) and the rules a node has before kube-proxy runs
(baseline)."""
