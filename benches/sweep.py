#!/usr/bin/env python3
"""Sensitivity of the Balanced preset: each variant (Balanced with some fields overridden) is
backtested with the release `yf` on the two real tapes (1 day) and synthetic seeds 1-10 (7 days),
next to the spread ladder and Auto-Renew (conservative). Prints one line per variant.

Usage: cargo build --release -p cli && benches/sweep.py '{"reprice60": {"repriceAfterMinutes": 60}}'
"""
import json, subprocess, sys, os, tempfile, concurrent.futures as cf
ROOT=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YF=os.path.join(ROOT,"target/release/yf")
DATA=os.environ.get("YF_SHARED_DATA", os.path.join(ROOT,"..","shared","data"))
TMP=tempfile.mkdtemp(prefix="yf-sweep-")
base={"preset":"Custom","enabled":True,"reserve":"0","maxToLend":None,"minDailyRate":"0.00005","minRateFrrFactor":None,
 "tranches":3,"gapBottomUsd":"50000","gapTopUsd":"1000000","spikeFraction":"0.10","spikeRateMultiplier":"1.5",
 "periodThresholds":[{"minRate":"0.0004","days":30},{"minRate":"0.0007","days":120}],
 "repriceAfterMinutes":30,"repriceStep":"0.05","frrMode":False,"frrDelta":"0","hidden":False,"maxOrderSize":None,"dailyBudget":None}
# `base` mirrors StrategySettings::preset(Balanced); checked against `--strategy balanced` first.
def earned(strategy):
    out=subprocess.run([YF,"backtest","--synthetic","1","--days","1","--strategy",strategy,"--json","--no-chart"],capture_output=True,text=True,check=True)
    return json.loads(out.stdout)["outcomes"][0]["earned"]
json.dump(base,open(os.path.join(TMP,"base.json"),"w"))
if earned("balanced")!=earned(os.path.join(TMP,"base.json")):
    sys.exit("benches/sweep.py: `base` no longer matches the Balanced preset; update it from crates/lender/src/settings.rs")
variants={"balanced":dict(base)}
variants.update({k:dict(base,**v) for k,v in json.loads(sys.argv[1] if len(sys.argv)>1 else "{}").items()})
markets=[("--tape",f"{DATA}/trades_fUSD_2026-05-01.csv","1"),("--tape",f"{DATA}/trades_fUSD_2026-06-21.csv","1")]+[("--synthetic",str(s),"7") for s in range(1,11)]
def run(name, m):
    f=os.path.join(TMP,f"{name}.json"); json.dump(variants[name],open(f,"w"))
    out=subprocess.run([YF,"backtest",m[0],m[1],"--days",m[2],"--strategy",f,"--json","--no-chart"],capture_output=True,text=True)
    if out.returncode: return name,m,None,out.stderr[-300:]
    r=json.loads(out.stdout); o={x["name"]:x for x in r["outcomes"]}
    strat=[x for x in r["outcomes"] if x["name"] not in ("Auto-Renew at FRR, filled only when trades reach FRR","Auto-Renew at FRR, if every FRR offer filled (upper bound)","Fixed offer at the ask","MikaLendingBot default","Idle","Hindsight bound (best achievable)")][0]
    return name,m,(float(strat["earned"]),float(strat["utilization"]),float(o["MikaLendingBot default"]["earned"]),float(o["Auto-Renew at FRR, filled only when trades reach FRR"]["earned"])),None
res={}
with cf.ThreadPoolExecutor(2) as ex:
    for name,m,v,err in ex.map(lambda a: run(*a), [(n,m) for n in variants for m in markets]):
        if err: print(name,m,err); continue
        res.setdefault(name,[]).append((m[1].split('/')[-1],)+v)
for name,rows in res.items():
    wl=sum(1 for r in rows if r[1]>=r[3]); wa=sum(1 for r in rows if r[1]>=r[4])
    syn=[r for r in rows if not r[0].endswith('.csv')]
    print(f"{name:12s} >=ladder {wl}/{len(rows)} >=AR {wa}/{len(rows)} mean_syn {sum(r[1] for r in syn)/len(syn):.2f} util_syn {sum(r[2] for r in syn)/len(syn):.3f} tapes {[round(r[1],2) for r in rows if r[0].endswith('.csv')]} ladder_tapes {[round(r[3],2) for r in rows if r[0].endswith('.csv')]}")
