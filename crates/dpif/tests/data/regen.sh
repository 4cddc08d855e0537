#!/bin/sh
# Regenerates actions.tsv and megaflows.txt from Debian's Open vSwitch (3.1), run privately in a
# temporary directory with the dummy datapath. Usage: sh regen.sh  (from any directory)
# actions.tsv:   <OpenFlow flows> TAB <ofproto/trace flow> TAB <"Datapath actions:" text>
# megaflows.txt: "# flows: ... | packet: ..." comment, then the dpctl/dump-flows lines.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/ovs-env.sh"
D=$(mktemp -d /tmp/dpif-regen.XXXXXX)
trap 'ovs_stop "$D"; rm -rf "$D"' EXIT INT TERM
ovs_start "$D" 2>/dev/null
VS="ovs-vsctl --db=unix:$D/db.sock"
A="ovs-appctl -t $D/vs.ctl"
BR="unix:$D/br0.mgmt"
$VS add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure protocols=OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15 \
    -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 options:rxq_pcap="$D/p1.pcap" \
    -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 options:tx_pcap="$D/p2.pcap" \
    -- add-port br0 p3 -- set interface p3 type=dummy ofport_request=3 options:tx_pcap="$D/p3.pcap" \
    -- add-port br0 p4 -- set interface p4 type=dummy ofport_request=4 options:tx_pcap="$D/p4.pcap"
$VS -- --id=@br get bridge br0 -- --id=@i create IPFIX targets=\"127.0.0.1:4739\" \
    -- create Flow_Sample_Collector_Set id=1 bridge=@br ipfix=@i \
    -- --id=@j create IPFIX targets=\"127.0.0.1:4739\" -- create Flow_Sample_Collector_Set id=7 bridge=@br ipfix=@j >/dev/null
$VS set Open_vSwitch . other_config:max-revalidator=60000 other_config:max-idle=60000
ovs-ofctl -O OpenFlow13 add-group "$BR" 'group_id=1,type=select,bucket=output:2,bucket=output:3'
ovs-ofctl -O OpenFlow13 add-group "$BR" 'group_id=2,type=all,bucket=output:2,bucket=mod_vlan_vid:7,output:3'
ovs-ofctl -O OpenFlow13 add-group "$BR" 'group_id=3,type=select,selection_method=dp_hash,bucket=output:2,bucket=output:4'
ovs-ofctl -O OpenFlow13 add-meter "$BR" 'meter=1 pktps bands=type=drop rate=10'

E="dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02"
ETH="in_port=1,$E"
VLAN="in_port=1,dl_vlan=10,dl_vlan_pcp=3,$E"
IP="ip,$ETH,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=47,nw_ttl=64,nw_tos=0"
TCP="tcp,$ETH,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=1000,tp_dst=80"
UDP="udp,$ETH,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,udp_src=1000,udp_dst=53"
ICMP="icmp,$ETH,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,icmp_type=8,icmp_code=0"
IP6="ipv6,$ETH,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_proto=47,nw_ttl=64"
TCP6="tcp6,$ETH,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=64,tp_src=1000,tp_dst=80"
UDP6="udp6,$ETH,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=64,udp_src=1000,udp_dst=53"
ARP="arp,$ETH,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=50:54:00:00:00:01"
ND="icmp6,$ETH,ipv6_src=fe80::1,ipv6_dst=ff02::1:ff00:2,icmpv6_type=135,icmpv6_code=0,nd_target=fe80::2,nd_sll=50:54:00:00:00:01"
SCTP="sctp,$ETH,nw_src=10.0.0.1,nw_dst=10.0.0.2,sctp_src=1000,sctp_dst=5000"
MPLS="mpls,$ETH,mpls_label=100,mpls_tc=1,mpls_ttl=64,mpls_bos=1"

: >"$HERE/actions.tsv"
# tr FLOWS TRACE: installs FLOWS (separated by ";") and records the datapath actions.
tr() {
    ovs-ofctl -O OpenFlow15 del-flows "$BR"
    add_flows "$1" "$2"
    # Every "Datapath actions:" line (one per recirculation pass).
    $A ofproto/trace br0 "$2" | sed -n 's/^Datapath actions: //p' | while IFS= read -r out; do
        printf '%s\t%s\t%s\n' "$1" "$2" "$out" >>"$HERE/actions.tsv"
    done
}
tr_split() { command tr ';' '\n'; }
# add_flows FLOWS TRACE: adds each flow; a flow starting "in_port=1," gets the trace flow's
# protocol keyword (ip, tcp, ...) in front so that set-field prerequisites hold.
add_flows() {
    proto=${2%%,*}
    case "$proto" in in_port=*|"") proto= ;; *) proto="$proto," ;; esac
    echo "$1" | tr_split | while IFS= read -r f; do
        case "$f" in in_port=1,*) f="$proto$f" ;; esac
        ovs-ofctl -O OpenFlow15 add-flow "$BR" "$f" 2>/dev/null ||
            ovs-ofctl add-flow "$BR" "$f" || echo "bad flow: $f" >&2
    done
}

tr "in_port=1,actions=output:2" "$ETH"
tr "in_port=1,actions=output:2,output:3,output:4" "$ETH"
tr "in_port=1,actions=drop" "$ETH"
tr "in_port=1,actions=in_port" "$ETH"
tr "in_port=1,actions=all" "$ETH"
tr "in_port=1,actions=flood" "$ETH"
tr "in_port=1,actions=normal" "$ETH"
tr "in_port=1,actions=mod_vlan_vid:5,output:2,strip_vlan,output:3" "$ETH"
tr "in_port=1,actions=mod_vlan_vid:5,mod_vlan_pcp:6,output:2" "$ETH"
tr "in_port=1,actions=strip_vlan,output:2" "$VLAN"
tr "in_port=1,actions=mod_vlan_vid:20,output:2" "$VLAN"
tr "in_port=1,actions=mod_vlan_pcp:1,output:2" "$VLAN"
tr "in_port=1,actions=push_vlan:0x88a8,mod_vlan_vid:30,output:2" "$VLAN"
tr "in_port=1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2" "$ETH"
tr "in_port=1,actions=output:2,mod_vlan_vid:100,output:3,mod_vlan_vid:200,output:4" "$ETH"
tr "in_port=1,actions=mod_dl_src:00:11:22:33:44:55,output:2" "$ETH"
tr "in_port=1,actions=mod_dl_dst:00:11:22:33:44:66,output:2" "$ETH"
tr "in_port=1,actions=mod_dl_src:00:11:22:33:44:55,mod_dl_dst:00:11:22:33:44:66,output:2" "$ETH"
tr "in_port=1,actions=set_field:00:00:00:00:00:00->eth_src,output:2" "$ETH"
tr "in_port=1,actions=mod_nw_src:192.168.0.1,output:2" "$IP"
tr "in_port=1,actions=mod_nw_dst:192.168.0.2,output:2" "$IP"
tr "in_port=1,actions=mod_nw_src:192.168.0.1,mod_nw_dst:192.168.0.2,output:2" "$IP"
tr "in_port=1,actions=mod_nw_tos:16,output:2" "$IP"
tr "in_port=1,actions=mod_nw_ecn:3,output:2" "$IP"
tr "in_port=1,actions=set_field:10->ip_dscp,output:2" "$IP"
tr "in_port=1,actions=dec_ttl,output:2" "$IP"
tr "in_port=1,actions=mod_nw_ttl:5,output:2" "$IP"
tr "in_port=1,actions=mod_nw_src:1.1.1.1,mod_nw_dst:2.2.2.2,mod_nw_tos:4,dec_ttl,output:2" "$IP"
tr "in_port=1,actions=mod_nw_src:192.168.0.1,output:2" "$TCP"
tr "in_port=1,actions=mod_tp_src:2000,output:2" "$TCP"
tr "in_port=1,actions=mod_tp_dst:8080,output:2" "$TCP"
tr "in_port=1,actions=mod_tp_src:2000,mod_tp_dst:8080,output:2" "$TCP"
tr "in_port=1,actions=mod_tp_src:2000,output:2" "$UDP"
tr "in_port=1,actions=mod_tp_dst:5353,output:2" "$UDP"
tr "in_port=1,actions=mod_tp_src:2000,mod_tp_dst:5353,output:2" "$UDP"
tr "in_port=1,actions=set_field:7000->sctp_dst,output:2" "$SCTP"
tr "in_port=1,actions=set_field:0->icmp_type,output:2" "$ICMP"
tr "in_port=1,actions=set_field:3->icmp_code,output:2" "$ICMP"
tr "in_port=1,actions=set_field:2001:db8::99->ipv6_src,output:2" "$IP6"
tr "in_port=1,actions=set_field:2001:db8::98->ipv6_dst,output:2" "$IP6"
tr "in_port=1,actions=set_field:0x12345->ipv6_label,output:2" "$IP6"
tr "in_port=1,actions=dec_ttl,output:2" "$IP6"
tr "in_port=1,actions=mod_nw_tos:32,output:2" "$IP6"
tr "in_port=1,actions=set_field:2001:db8::99->ipv6_src,mod_tp_dst:443,output:2" "$TCP6"
tr "in_port=1,actions=mod_tp_src:99,output:2" "$UDP6"
tr "icmp6,icmp_type=135,in_port=1,actions=set_field:fe80::3->nd_target,output:2" "$ND"
tr "icmp6,icmp_type=135,in_port=1,actions=set_field:00:11:22:33:44:55->nd_sll,output:2" "$ND"
tr "in_port=1,actions=set_field:10.0.0.9->arp_spa,output:2" "$ARP"
tr "in_port=1,actions=set_field:2->arp_op,output:2" "$ARP"
tr "in_port=1,actions=set_field:00:11:22:33:44:55->arp_sha,set_field:10.9.9.9->arp_tpa,output:2" "$ARP"
tr "in_port=1,actions=load:0x1234->NXM_NX_PKT_MARK[],output:2" "$ETH"
tr "in_port=1,actions=load:0xf->NXM_NX_PKT_MARK[0..3],output:2" "$ETH"
tr "in_port=1,actions=set_queue:5,output:2" "$ETH"
tr "in_port=1,actions=controller" "$ETH"
tr "in_port=1,actions=controller:100" "$ETH"
tr "in_port=1,actions=controller(reason=no_match,id=5)" "$ETH"
tr "in_port=1,actions=controller(userdata=01.02.03.04),output:2" "$ETH"
tr "in_port=1,actions=controller(pause),output:2" "$ETH"
tr "in_port=1,actions=controller(meter_id=1)" "$ETH"
tr "in_port=1,actions=dec_ttl,output:2" "ip,$ETH,nw_ttl=1"
tr "in_port=1,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3),output:2" "$ETH"
tr "in_port=1,actions=sample(probability=32768,collector_set_id=1,obs_domain_id=2,obs_point_id=3),output:2" "$ETH"
tr "in_port=1,actions=sample(probability=1000,collector_set_id=7),output:2" "$ETH"
tr "in_port=1,actions=ct(commit),output:2" "$IP"
tr "in_port=1,actions=ct(table=1);table=1,actions=output:2" "$IP"
tr "in_port=1,actions=ct(commit,zone=5),output:2" "$IP"
tr "in_port=1,actions=ct(commit,exec(set_field:1->ct_mark)),output:2" "$IP"
tr "in_port=1,actions=ct(commit,exec(set_field:0x10/0xff->ct_mark,set_field:1->ct_label)),output:2" "$IP"
tr "in_port=1,actions=ct(commit,nat(src=10.1.1.1)),output:2" "$IP"
tr "in_port=1,actions=ct(commit,nat(dst=10.1.1.1-10.1.1.9:80-90,random)),output:2" "$TCP"
tr "in_port=1,actions=ct(nat,table=2);table=2,actions=output:3" "$IP"
tr "in_port=1,actions=ct(commit,force,zone=3),output:2" "$IP"
tr "in_port=1,actions=ct(commit,alg=ftp),output:2" "tcp,$ETH,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_dst=21"
tr "in_port=1,actions=ct_clear,output:2" "$IP"
tr "in_port=1,actions=group:1" "$TCP"
tr "in_port=1,actions=group:2" "$ETH"
tr "in_port=1,actions=group:3" "$TCP"
tr "in_port=1,actions=bundle(eth_src,0,hrw,ofport,members:2,3)" "$ETH"
tr "in_port=1,actions=multipath(eth_src,50,modulo_n,2,0,NXM_NX_REG0[]),output:2" "$ETH"
tr "in_port=1,actions=clone(mod_dl_src:00:00:00:00:00:09,output:2),output:3" "$ETH"
tr "in_port=1,actions=clone(mod_vlan_vid:9,output:2),output:3" "$ETH"
tr "in_port=1,actions=output(port=2,max_len=100)" "$ETH"
tr "in_port=1,actions=output(port=2,max_len=64),output:3" "$ETH"
tr "in_port=1,actions=push_mpls:0x8847,output:2" "$IP"
tr "in_port=1,actions=push_mpls:0x8848,set_field:55->mpls_label,output:2" "$IP"
tr "in_port=1,actions=pop_mpls:0x0800,output:2" "$MPLS"
tr "in_port=1,actions=set_mpls_ttl:9,output:2" "$MPLS"
tr "in_port=1,actions=dec_mpls_ttl,output:2" "$MPLS"
tr "in_port=1,actions=set_field:77->mpls_label,set_field:2->mpls_tc,output:2" "$MPLS"
tr "in_port=1,actions=meter:1,output:2" "$ETH"
tr "in_port=1,actions=check_pkt_larger(200)->NXM_NX_REG0[0],resubmit(,1);table=1,reg0=1,actions=output:2;table=1,reg0=0,actions=output:3" "$ETH"
tr "in_port=1,actions=check_pkt_larger(1500)->NXM_NX_REG0[0],resubmit(,1);table=1,reg0=1,actions=drop;table=1,reg0=0,actions=mod_dl_src:00:00:00:00:00:01,output:3" "$ETH"
tr "in_port=1,actions=resubmit(,1);table=1,actions=mod_dl_dst:00:00:00:00:00:07,output:2" "$ETH"
tr "in_port=1,actions=load:1->NXM_NX_REG0[],resubmit(,1);table=1,reg0=1,actions=output:4" "$ETH"
tr "in_port=1,actions=mod_nw_src:1.1.1.1,output:2,mod_nw_src:2.2.2.2,output:3" "$IP"
tr "in_port=1,actions=mod_vlan_vid:5,output:2,mod_dl_src:00:00:00:00:00:05,output:3" "$ETH"
tr "in_port=1,actions=strip_vlan,mod_dl_dst:00:00:00:00:00:08,output:2,mod_vlan_vid:8,output:3" "$VLAN"
tr "in_port=1,actions=enqueue:2:3" "$ETH"
tr "in_port=1,actions=set_field:0x5->tun_id,output:2" "$ETH"
tr "in_port=1,actions=mod_tp_dst:99,mod_nw_dst:9.9.9.9,mod_dl_dst:00:00:00:00:00:09,push_vlan:0x8100,set_field:4100->vlan_vid,output:2" "$UDP"
tr "in_port=1,actions=set_field:0x3/0xf->pkt_mark,set_queue:1,output:2" "$ETH"
tr "in_port=1,actions=mod_nw_ttl:0,output:2" "$IP6"
tr "in_port=1,actions=ct(commit,nat(src=[2001:db8::5])),output:2" "$IP6"
tr "in_port=1,actions=sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=2),output:2" "$ETH"

# With sFlow sampling every packet's flow gets a sample() action.
$VS -- --id=@s create sFlow agent=p1 target=\"127.0.0.1:6343\" sampling=2 -- set bridge br0 sflow=@s >/dev/null
tr "in_port=1,actions=output:2" "$ETH"
tr "in_port=1,actions=output:2,output:3" "$ETH"
tr "in_port=1,actions=mod_vlan_vid:5,output:2" "$ETH"
tr "in_port=1,actions=drop" "$ETH"
tr "in_port=1,actions=strip_vlan,output:2" "$VLAN"
$VS clear bridge br0 sflow

# mf FLOWS PACKET [N]: installs FLOWS, injects PACKET (odp syntax) N times, dumps megaflows.
: >"$HERE/megaflows.txt"
mf() {
    ovs-ofctl -O OpenFlow15 del-flows "$BR"
    $A dpctl/del-flows >/dev/null
    add_flows "$1" ""
    n=${3:-1}
    i=0
    while [ "$i" -lt "$n" ]; do
        $A netdev-dummy/receive p1 "$2" >/dev/null || echo "bad packet: $2" >&2
        i=$((i + 1))
    done
    printf '# flows: %s | packet: %s\n' "$1" "$2" >>"$HERE/megaflows.txt"
    $A dpctl/dump-flows | grep -v '^flow-dump from' >>"$HERE/megaflows.txt"
}
PE="in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02)"
PIP="$PE,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)"
PUDP="$PE,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=4,ttl=64,frag=no),udp(src=1000,dst=53)"
PICMP="$PE,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)"
PIP6="$PE,eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=6,tclass=0,hlimit=64,frag=no),tcp(src=1000,dst=80)"
PUDP6="$PE,eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=5,proto=17,tclass=0,hlimit=64,frag=no),udp(src=1000,dst=53)"
PICMP6="$PE,eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=128,code=0)"
PND="$PE,eth_type(0x86dd),ipv6(src=fe80::1,dst=ff02::1:ff00:2,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2,sll=50:54:00:00:00:01,tll=00:00:00:00:00:00)"
PARP="$PE,eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00)"
PVLAN="$PE,eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80))"
PFRAG="$PE,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=first),udp(src=1000,dst=53)"
PSCTP="$PE,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=132,tos=0,ttl=64,frag=no),sctp(src=1000,dst=5000)"
PTCPF="$PE,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80),tcp_flags(syn|ack)"
PMARK="skb_mark(0x7),$PIP"
POTHER="$PE,eth_type(0x1234)"

mf "in_port=1,actions=output:2" "$PE,eth_type(0x1234)"
mf "in_port=1,actions=output:2" "$PIP" 3
mf "in_port=1,actions=drop" "$PIP"
mf "actions=drop" "$PIP"
mf "in_port=1,dl_src=50:54:00:00:00:01,actions=output:2" "$PIP"
mf "in_port=1,dl_dst=50:54:00:00:00:02,actions=output:2" "$PUDP" 2
mf "in_port=1,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=output:3;in_port=1,priority=0,actions=output:2" "$PIP"
mf "ip,nw_dst=10.0.0.0/24,actions=output:2" "$PIP"
mf "ip,nw_src=10.0.0.0/8,actions=output:2" "$PUDP"
mf "ip,nw_dst=10.0.0.2,actions=output:2;ip,nw_dst=10.0.1.0/24,priority=5,actions=output:3" "$PIP"
mf "tcp,tp_dst=80,actions=output:2" "$PIP" 2
mf "tcp,tp_dst=0x50/0xfff0,actions=output:2" "$PIP"
mf "tcp,tp_src=1000,actions=output:2;tcp,tp_src=1001,actions=output:3" "$PIP"
mf "udp,tp_dst=53,actions=output:2" "$PUDP"
mf "udp,tp_dst=54,actions=output:2;priority=0,actions=output:3" "$PUDP"
mf "icmp,icmp_type=8,actions=output:2" "$PICMP"
mf "ip,nw_tos=4,actions=output:2" "$PUDP"
mf "ip,nw_ttl=64,actions=output:2" "$PIP"
mf "ip,nw_ecn=0,actions=output:2" "$PIP"
mf "ipv6,ipv6_dst=2001:db8::/64,actions=output:2" "$PIP6"
mf "ipv6,ipv6_src=2001:db8::1,actions=output:2" "$PIP6"
mf "tcp6,tp_dst=80,actions=output:2" "$PIP6" 2
mf "ipv6,ipv6_label=5,actions=output:2" "$PUDP6"
mf "udp6,tp_src=1000,actions=mod_tp_src:2000,output:2" "$PUDP6"
mf "icmp6,icmp_type=128,actions=output:2" "$PICMP6"
mf "icmp6,icmp_type=135,nd_target=fe80::2,actions=output:2" "$PND"
mf "icmp6,icmp_type=135,nd_sll=50:54:00:00:00:01,actions=output:2" "$PND"
mf "arp,arp_tpa=10.0.0.2,actions=output:2" "$PARP"
mf "arp,arp_op=1,arp_sha=50:54:00:00:00:01,actions=output:2" "$PARP"
mf "arp,actions=mod_dl_src:00:00:00:00:00:01,output:2" "$PARP"
mf "dl_vlan=10,actions=strip_vlan,output:2" "$PVLAN"
mf "dl_vlan=10,dl_vlan_pcp=3,actions=output:2" "$PVLAN"
mf "ip,dl_vlan=10,nw_dst=10.0.0.2,actions=mod_vlan_vid:20,output:2" "$PVLAN"
mf "in_port=1,actions=mod_vlan_vid:5,output:2" "$PIP"
mf "ip,nw_frag=first,actions=output:2" "$PFRAG"
mf "udp,tp_dst=53,actions=output:2" "$PFRAG"
mf "sctp,tp_dst=5000,actions=output:2" "$PSCTP"
mf "tcp,tcp_flags=+syn,actions=output:2" "$PTCPF" 2
mf "tcp,actions=output:2" "$PTCPF" 3
mf "pkt_mark=0x7,actions=output:2" "$PMARK"
mf "pkt_mark=0x3/0x3,actions=output:2" "$PMARK"
mf "tcp,in_port=1,actions=mod_nw_src:10.9.9.9,mod_tp_dst:8080,output:2" "$PIP"
mf "ip,in_port=1,actions=mod_nw_dst:10.8.8.8,dec_ttl,output:2" "$PUDP"
mf "in_port=1,actions=mod_dl_src:00:11:22:33:44:55,mod_dl_dst:00:11:22:33:44:66,output:2" "$PIP"
mf "ip,actions=ct(table=1);table=1,ct_state=+trk+new,ip,actions=ct(commit),output:2" "$PIP"
mf "ip,actions=ct(zone=3,table=1);table=1,ct_state=+trk,ct_zone=3,actions=output:2" "$PUDP"
mf "ip,actions=ct(commit,exec(set_field:5->ct_mark)),ct(table=1);table=1,ct_mark=5,actions=output:2" "$PIP"
mf "in_port=1,actions=group:3" "$PIP"
mf "in_port=1,actions=group:1" "$PIP"
mf "in_port=1,actions=controller" "$PIP"
mf "in_port=1,actions=load:0x5->NXM_NX_PKT_MARK[],output:2" "$PIP"
mf "in_port=1,actions=output(port=2,max_len=64)" "$PIP"
mf "in_port=1,actions=clone(mod_dl_src:00:00:00:00:00:09,output:2),output:3" "$PIP"
mf "in_port=1,actions=check_pkt_larger(100)->NXM_NX_REG0[0],resubmit(,1);table=1,reg0=1,actions=output:2;table=1,reg0=0,actions=output:3" "$PIP"
mf "in_port=1,actions=sample(probability=32768,collector_set_id=1),output:2" "$PIP"
mf "in_port=1,actions=push_mpls:0x8847,output:2" "$PIP"
mf "in_port=1,actions=output:2" "$POTHER" 2
mf "in_port=1,actions=output:2" "$PE,eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=1)"
mf "mpls,mpls_label=100,actions=pop_mpls:0x0800,output:2" "$PE,eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=1)"

# dp KEY ACTIONS: installs a datapath flow directly (dpctl/add-flow) and records how OVS prints
# it back: the actions in actions.tsv, the whole flow in megaflows.txt.
dp() {
    $A dpctl/del-flows >/dev/null
    if ! $A dpctl/add-flow "$1" "$2" >/dev/null 2>&1; then
        echo "bad datapath flow: $1 $2" >&2
        return
    fi
    printf '# dpctl/add-flow %s %s\n' "$1" "$2" >>"$HERE/megaflows.txt"
    $A dpctl/dump-flows | grep -v '^flow-dump from' | tee -a "$HERE/megaflows.txt" |
        sed 's/.*, actions://' | while IFS= read -r out; do
        printf 'dpctl/add-flow\t%s\t%s\n' "$1" "$out" >>"$HERE/actions.tsv"
    done
}
K="in_port(1),eth(src=50:54:00:00:00:01/ff:ff:ff:00:00:00),eth_type(0x0800),ipv4(src=10.0.0.0/255.0.0.0,proto=6,frag=no),tcp(dst=80/0xff00)"
dp "$K" "clone(set(eth(src=00:00:00:00:00:01)),2),3"
dp "$K" "clone(clone(push_vlan(vid=5,pcp=0),2),drop),3"
dp "$K" "sample(sample=25%,actions(2))"
dp "$K" "sample(sample=0.1%,actions(set(skb_mark(0x1)),userspace(pid=2,sFlow(vid=0,pcp=0,output=2))))"
dp "$K" "userspace(pid=7,sFlow(vid=5,pcp=3,output=2))"
dp "$K" "userspace(pid=7,sFlow(vid=5,pcp=3,output=0x40000003))"
dp "$K" "userspace(pid=0,slow_path(cfm))"
dp "$K" "userspace(pid=0,slow_path(lacp|stp))"
dp "$K" "userspace(pid=0,userdata(01020304),actions)"
dp "$K" "userspace(pid=4294967295,userdata(0a0b0c0d0e0f1011))"
dp "$K" "userspace(pid=1,tunnel_out_port=3)"
dp "$K" "userspace(pid=0,controller(reason=1,dont_send=0,continuation=1,recirc_id=9,rule_cookie=0x123,controller_id=0,max_len=128))"
dp "$K" "trunc(64),userspace(pid=3,ipfix(output_port=2))"
dp "$K" "set(tunnel(tun_id=0x5,dst=1.1.1.1,ttl=64,flags(df|key))),2"
dp "$K" "set(ipv4(src=1.2.3.4/255.255.0.0,ttl=5))"
dp "$K" "set(ipv4(dst=1.2.3.4/0.0.0.255,tos=0x1/0x3))"
dp "$K" "set(tcp(src=80/0xff))"
dp "$K" "set(tcp(src=80,dst=443))"
dp "$K" "set(udp(dst=53/0xfff0))"
dp "$K" "set(skb_mark(0x5/0xff)),2"
dp "$K" "set(ipv6(src=::1/ffff::,tclass=0x3/0xff))"
dp "$K" "set(ipv6(dst=2001:db8::1,label=0x1/0xf,hlimit=9))"
dp "$K" "set(eth(src=00:00:00:00:00:01/ff:00:00:00:00:00))"
dp "$K" "set(eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02/00:00:00:00:00:ff)),2"
dp "$K" "set(icmp(type=3)),2"
dp "$K" "set(icmpv6(type=1,code=4)),2"
dp "$K" "set(nd(target=2001:db8::7,tll=00:00:00:00:00:07)),2"
dp "$K" "set(arp(sip=1.1.1.1,tip=2.2.2.2,op=2,sha=00:00:00:00:00:01,tha=00:00:00:00:00:02)),2"
dp "$K" "set(sctp(src=1,dst=2)),2"
dp "$K" "set(mpls(label=5,tc=1,ttl=7,bos=1)),2"
dp "$K" "set(ct_state(0x21)),2"
dp "$K" "ct(commit,zone=5,mark=0x1/0xff,nat(src=1.1.1.1:100-200,persistent))"
dp "$K" "ct(zone=1,nat(dst=10.0.0.1-10.0.0.5,hash)),recirc(0x20)"
dp "$K" "ct(commit,label=0x1/0xff,helper=tftp,timeout=tp1),2"
dp "$K" "ct(commit,nat(src=[2001:db8::1]-[2001:db8::5]:1024-2048,random)),2"
dp "$K" "ct(commit,nat),2"
dp "$K" "ct(nat(src)),recirc(0x3)"
dp "$K" "ct_clear,2"
dp "$K" "drop"
dp "$K" "lb_output(1)"
dp "$K" "recirc(0x1),2"
dp "$K" "pop_vlan,pop_vlan,2"
dp "$K" "push_vlan(tpid=0x88a8,vid=10,pcp=2),push_vlan(vid=20,pcp=0),2"
dp "$K" "push_vlan(vid=5,pcp=0,cfi=0),2"
dp "$K" "push_mpls(label=10,tc=3,ttl=255,bos=0,eth_type=0x8848),2"
dp "$K" "pop_mpls(eth_type=0x86dd),2"
dp "$K" "meter(3),2"
dp "$K" "check_pkt_len(size=64,gt(set(ipv4(ttl=1)),2),le(3))"
dp "$K" "1,2,3,4,5,6,7,8,9,10,100"
dp "$K" "4294967295"

dp "recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)" "2"
dp "skb_priority(0x3),skb_mark(0x7/0xff),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)" "2"
dp "recirc_id(0x5),dp_hash(0x7/0xf),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)" "2"
dp "ct_state(+new-est+trk),ct_zone(0x5),ct_mark(0x3/0xff),recirc_id(0x1),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)" "2"
dp "ct_state(+trk+est),ct_label(0x1/0xff),recirc_id(0x1),in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)" "2"
dp "ct_state(-trk),recirc_id(0),in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)" "2"
dp "in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x10,ttl=64,frag=no),tcp(src=1000,dst=80),tcp_flags(syn)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2/255.255.0.0,proto=17,tos=0/0x3,ttl=64/0xf0,frag=no),udp(src=1000/0xff00,dst=53)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(),tcp_flags(+syn-ack)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp_flags(0x12/0x17)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(frag=later)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(frag=first/0x1)" "2"
dp "in_port(1),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=1/0xff,dst=2)" "2"
dp "in_port(1),eth(),eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::/ffff:ffff::,label=0x12345,proto=6,tclass=0x4,hlimit=64,frag=no),tcp(dst=443)" "2"
dp "in_port(1),eth(),eth_type(0x86dd),ipv6(label=0/0xff,proto=58,frag=no),icmpv6(type=136,code=0),nd(target=2001:db8::2,tll=00:00:00:00:00:02)" "2"
dp "in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2/ffff::,sll=50:54:00:00:00:01)" "2"
dp "in_port(1),eth(),eth_type(0x86dd),ipv6(proto=58,frag=no),icmpv6(type=128/0xf0)" "2"
dp "in_port(1),eth(),eth_type(0x86dd),ipv6(frag=first)" "2"
dp "in_port(1),eth(),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.0/255.255.255.0,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00/ff:ff:ff:00:00:00)" "2"
dp "in_port(1),eth(),eth_type(0x8035),arp(op=3)" "2"
dp "in_port(1),eth(src=00:00:00:00:00:00/01:00:00:00:00:00),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(frag=no))" "2"
dp "in_port(1),eth(),eth_type(0x8100),vlan(vid=10/0xff0,pcp=0/0x1),encap(eth_type(0x86dd),ipv6(frag=no))" "2"
dp "in_port(1),eth(),eth_type(0x8100),vlan(vid=5),encap(eth_type(0x1234))" "2"
dp "in_port(1),eth(),eth_type(0x8100),vlan(tci=0x1000/0x1000),encap()" "2"
dp "in_port(1),eth(),eth_type(0x8100),vlan(vid=5,pcp=1),encap(eth_type(0x8100),vlan(vid=7),encap(eth_type(0x0800),ipv4(frag=no)))" "2"
dp "in_port(1),eth(),eth_type(0x88a8),vlan(vid=5),encap(eth_type(0x8100),vlan(vid=7),encap(eth_type(0x0800),ipv4(frag=no)))" "2"
dp "in_port(1),eth(),eth_type(0x8847),mpls(label=7,tc=1,ttl=64,bos=1)" "2"
dp "in_port(1),eth(),eth_type(0x8848),mpls(label=7/0xff,tc=1/0x7,ttl=64/0xff,bos=1/1)" "2"
dp "in_port(1),eth(dst=01:00:00:00:00:00/01:00:00:00:00:00),eth_type(0x0800),ipv4(frag=no)" "drop"
dp "in_port(1),eth_type(0x1234)" "2"
dp "in_port(3)" "1"

# ex KEY ACTIONS PACKET: installs a datapath flow, injects PACKET (odp flow syntax, which
# OVS composes into a frame, or hex bytes) on p1 and records what ports 2-4 transmitted.
# exec.tsv: ACTIONS TAB input hex TAB "2:hex 2:hex 3:hex ..." (per-port order as sent).
: >"$HERE/exec.tsv"
pcap_pkts() {
    python3 - "$1" <<'PY'
import sys
try:
    b = open(sys.argv[1], 'rb').read()
except OSError:
    b = b''
off = 24
while off + 16 <= len(b):
    n = int.from_bytes(b[off + 8:off + 12], 'little')
    print(b[off + 16:off + 16 + n].hex())
    off += 16 + n
PY
}
ex() {
    n2=$(pcap_pkts "$D/p2.pcap" | wc -l)
    n3=$(pcap_pkts "$D/p3.pcap" | wc -l)
    n4=$(pcap_pkts "$D/p4.pcap" | wc -l)
    # ofproto's revalidators delete datapath flows they did not install, so the flow is
    # added right before the packet, and the attempt repeated if the flow vanished first
    # (a packet that misses is dropped: fail-mode=secure and no OpenFlow flows).
    tries=0
    while :; do
        $A dpctl/del-flows >/dev/null
        if ! $A dpctl/add-flow "$1" "$2" >/dev/null 2>&1; then
            echo "bad datapath flow: $1 $2" >&2
            return
        fi
        if ! $A netdev-dummy/receive p1 "$3" >/dev/null; then
            $A version >/dev/null 2>&1 || { echo "ovs-vswitchd died on: $2 $3" >&2; exit 1; }
            echo "bad packet: $3" >&2
            return
        fi
        [ "$($A dpctl/dump-flows | grep -c 'packets:1,')" = 1 ] && break
        tries=$((tries + 1))
        if [ "$tries" -ge 5 ]; then
            echo "packet keeps missing the flow: $1 $3" >&2
            return
        fi
    done
    in=$(pcap_pkts "$D/p1.pcap" | tail -1)
    outs=""
    for p in 2 3 4; do
        eval "n=\$n$p"
        for h in $(pcap_pkts "$D/p$p.pcap" | tail -n +$((n + 1))); do
            outs="$outs $p:$h"
        done
    done
    printf '%s\t%s\t%s\n' "$2" "$in" "${outs# }" >>"$HERE/exec.tsv"
}
K4="in_port(1),eth(),eth_type(0x0800),ipv4(frag=no)"
K6="in_port(1),eth(),eth_type(0x86dd),ipv6(frag=no)"
KV="in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(frag=no))"
E2="in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02)"
T4="$E2,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80)"
U4="$E2,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0x11,ttl=64,frag=no),udp(src=1000,dst=53)"
I4="$E2,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)"
S4="$E2,eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=132,tos=0,ttl=64,frag=no),sctp(src=1000,dst=5000)"
T6="$E2,eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=0x12345,proto=6,tclass=0,hlimit=64,frag=no),tcp(src=1000,dst=80)"
U6="$E2,eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=17,tclass=0x8,hlimit=64,frag=no),udp(src=1000,dst=53)"
I6="$E2,eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=128,code=0)"
ND6="$E2,eth_type(0x86dd),ipv6(src=fe80::1,dst=ff02::1:ff00:2,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2,sll=50:54:00:00:00:01,tll=00:00:00:00:00:00)"
AR="$E2,eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00)"
VT="$E2,eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80))"
MP="$E2,eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=1)"
ex "$K4" "2" "$T4"
ex "$K4" "2,3,4" "$U4"
ex "$K4" "push_vlan(vid=5,pcp=3),2,pop_vlan,3" "$T4"
ex "$K4" "push_vlan(tpid=0x88a8,vid=7,pcp=0),push_vlan(vid=8,pcp=1),2" "$T4"
ex "$KV" "pop_vlan,2" "$VT"
ex "$KV" "pop_vlan,push_vlan(vid=20,pcp=3),2" "$VT"
ex "$KV" "push_vlan(vid=30,pcp=0),2" "$VT"
ex "$K4" "set(eth(src=00:11:22:33:44:55)),2" "$T4"
ex "$K4" "set(eth(src=00:11:22:33:44:55,dst=00:aa:00:00:00:bb/ff:ff:00:00:00:00)),2" "$T4"
ex "$K4" "set(ipv4(src=192.168.0.1)),2" "$T4"
ex "$K4" "set(ipv4(src=192.168.0.1,dst=172.16.5.6,tos=0x10/0xfc,ttl=63)),2" "$T4"
ex "$K4" "set(ipv4(src=1.2.3.4/255.255.0.0,ttl=5)),2" "$U4"
ex "$K4" "set(ipv4(dst=1.2.3.4/0.0.0.255,tos=0x1/0x3)),2" "$U4"
ex "$K4" "set(ipv4(tos=0xff,ttl=0)),2" "$I4"
ex "$K4" "set(ipv4(src=9.9.9.9)),2" "$I4"
ex "$K4" "set(ipv4(src=9.9.9.9,dst=8.8.8.8)),2" "$S4"
ex "$K4" "set(tcp(src=2000)),2" "$T4"
ex "$K4" "set(tcp(src=2000,dst=8080)),set(ipv4(dst=10.9.9.9)),2" "$T4"
ex "$K4" "set(tcp(src=80/0xff)),2" "$T4"
ex "$K4" "set(udp(src=2000,dst=5353)),2" "$U4"
ex "$K4" "set(udp(dst=53/0xfff0)),2" "$U4"
ex "$K4" "set(sctp(src=1,dst=2)),2" "$S4"
ex "$K4" "set(icmp(type=0,code=0)),2" "$I4"
# (A masked ICMP set, e.g. set(icmp(type=3)), makes OVS 3.1's userspace datapath abort.)
ex "$K4" "set(icmp(type=3,code=1)),2" "$I4"
ex "$K6" "set(ipv6(src=2001:db8::99)),2" "$T6"
ex "$K6" "set(ipv6(dst=2001:db8::1/ffff::,label=0x1/0xf,hlimit=9)),2" "$T6"
ex "$K6" "set(ipv6(src=::1/ffff::,tclass=0x3)),2" "$U6"
ex "$K6" "set(ipv6(tclass=0xfc/0xfc)),set(udp(src=7)),2" "$U6"
ex "$K6" "set(ipv6(dst=2001:db8::77)),set(icmpv6(type=129,code=0)),2" "$I6"
ex "$K6" "set(nd(target=fe80::3)),2" "$ND6"
ex "$K6" "set(nd(target=fe80::3,sll=00:11:22:33:44:55)),2" "$ND6"
ex "$K6" "set(nd(tll=00:11:22:33:44:55)),2" "$ND6"
ex "in_port(1),eth(),eth_type(0x0806)" "set(arp(sip=1.1.1.1,tip=2.2.2.2,op=2,sha=00:00:00:00:00:01,tha=00:00:00:00:00:02)),2" "$AR"
ex "in_port(1),eth(),eth_type(0x0806)" "set(arp(op=2)),2" "$AR"
ex "in_port(1),eth(),eth_type(0x0806)" "set(ipv4(src=1.1.1.1)),set(tcp(src=1)),2" "$AR"
ex "$K4" "set(ipv6(src=::1)),set(udp(src=1)),set(arp(op=2)),2" "$T4"
ex "$K4" "push_mpls(label=10,tc=3,ttl=255,bos=1,eth_type=0x8847),2" "$T4"
ex "in_port(1),eth(),eth_type(0x8847)" "set(mpls(label=5,tc=1,ttl=7,bos=1)),2" "$MP"
ex "in_port(1),eth(),eth_type(0x8847)" "pop_mpls(eth_type=0x800),2" "$MP"
ex "$K4" "trunc(40),2,3" "$U4"
ex "$K4" "trunc(20),2,trunc(200),3" "$T4"
ex "$K4" "clone(set(eth(src=00:00:00:00:00:09)),2),3" "$T4"
ex "$K4" "clone(set(ipv4(ttl=1)),push_vlan(vid=9,pcp=0),2),set(tcp(dst=1)),3" "$T4"
ex "$K4" "sample(sample=100.0%,actions(set(ipv4(src=7.7.7.7)),3)),2" "$T4"
ex "$K4" "check_pkt_len(size=64,gt(set(ipv4(ttl=1)),2),le(3))" "$T4"
ex "$K4" "check_pkt_len(size=200,gt(2),le(set(udp(dst=7)),3))" "$U4"
ex "$K4" "set(skb_mark(0x5)),ct_clear,2" "$T4"
ex "$K4" "set(ipv4(ttl=1)),2,set(ipv4(ttl=2)),3,set(ipv4(ttl=3)),4" "$T4"
ex "$K4" "pop_vlan,2" "$T4"
ex "$K4" "push_vlan(vid=5,pcp=0),set(ipv4(ttl=7)),set(tcp(src=5)),2" "$T4"
ex "$KV" "set(ipv4(ttl=7,src=3.3.3.3)),set(tcp(dst=5)),2" "$VT"
ex "$K6" "set(ipv6(src=2001:db8::5,dst=2001:db8::6)),set(nd(target=2001:db8::7)),2" "$ND6"
ex "$K4" "clone(trunc(30),2),trunc(50),3,4" "$U4"
ex "$K4" "sample(sample=100.0%,actions(clone(set(eth(dst=00:00:00:00:00:03)),3))),set(ipv4(tos=0x4/0xfc)),2" "$U4"
# Frames OVS cannot compose from a flow: IPv4 with options, IPv6 with a hop-by-hop header,
# UDP without a checksum (built here with correct checksums).
special() {
    python3 - "$1" <<'PY'
import struct, sys
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
eth4 = bytes.fromhex('505400000002505400000001' '0800')
eth6 = bytes.fromhex('505400000002505400000001' '86dd')
src4, dst4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
src6 = bytes.fromhex('20010db8000000000000000000000001')
dst6 = bytes.fromhex('20010db8000000000000000000000002')
payload = bytes(range(16))
kind = sys.argv[1]
if kind in ('v4opt', 'udp0'):
    if kind == 'v4opt':
        l4 = struct.pack('!HHIIBBHHH', 1000, 80, 1, 0, 0x50, 0x02, 8192, 0, 0) + payload
        proto, opts = 6, bytes([1, 1, 1, 0])
    else:
        l4 = struct.pack('!HHHH', 1000, 53, 8 + len(payload), 0) + payload
        proto, opts = 17, b''
    ihl = 5 + len(opts) // 4
    hdr = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(l4), 0, 0, 64, proto, 0, src4, dst4) + opts
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    if proto == 6:
        ph = src4 + dst4 + struct.pack('!BBH', 0, proto, len(l4))
        l4 = l4[:16] + struct.pack('!H', csum(ph + l4)) + l4[18:]
    print((eth4 + hdr + l4).hex())
else:
    udp = struct.pack('!HHHH', 1000, 53, 8 + len(payload), 0) + payload
    ph = src6 + dst6 + struct.pack('!IxxxB', len(udp), 17)
    udp = udp[:6] + struct.pack('!H', csum(ph + udp)) + udp[8:]
    hbh = bytes([17, 0, 1, 4, 0, 0, 0, 0])
    hdr = struct.pack('!IHBB', 6 << 28, len(hbh) + len(udp), 0, 64) + src6 + dst6
    print((eth6 + hdr + hbh + udp).hex())
PY
}
ex "$K4" "set(ipv4(src=1.2.3.4,ttl=9)),set(tcp(dst=8080)),2" "$(special v4opt)"
ex "$K4" "set(ipv4(src=1.2.3.4)),set(udp(dst=99)),2" "$(special udp0)"
ex "$K6" "set(ipv6(src=2001:db8::99)),set(udp(dst=99)),2" "$(special v6hbh)"
# Truncated and malformed frames (hex): sets on missing or partial headers.
ex "$K4" "set(ipv4(src=1.2.3.4)),set(tcp(dst=9)),2" "505400000002505400000001080045000028000000004006668f0a0000010a000002"
ex "$K4" "set(ipv4(src=1.2.3.4)),set(tcp(dst=9)),2" "505400000002505400000001080045000028000000004006668f0a0000010a00000203e80050"
ex "$K4" "set(ipv4(src=1.2.3.4,ttl=3)),set(udp(src=9)),2" "505400000002505400000001080045000024000000004011668f0a0000010a00000203e8003500100000"
ex "$K4" "set(ipv4(src=1.2.3.4)),set(udp(src=9)),2" "50540000000250540000000108004500002400002001401166ef0a0000010a00000203e800350010abcd"
# (An ipv4 set on a frame that ends after the EtherType makes OVS 3.1 abort.)
ex "$K4" "set(eth(dst=00:00:00:00:00:01)),2" "5054000000025054000000010800"
