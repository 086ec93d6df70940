#!/usr/bin/env python3
# Scores tapio correlate on the labelled scenarios: pairwise and exact-group precision/recall.
# Usage: python3 scenarios/score.py [DIR]   (build first: mvn -B -q package -DskipTests)
import json,sys,subprocess,glob,os,itertools
d=sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
tp=fp=fn=0; gexact=gpred=gexp=0
for f in sorted(glob.glob(d+'/*.jsonl')):
    name=os.path.basename(f)[:-6]
    exp=json.load(open(f[:-6]+'.expected.json'))
    out=subprocess.run(['java','-jar',os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools', 'target', 'tapio.jar'),'correlate','--quiet','--input',f],capture_output=True,text=True).stdout
    pred=[json.loads(l) for l in out.splitlines() if l.strip()]
    P=[frozenset(int(e,16) for e in g['events']) for g in pred]
    if os.environ.get('BASELINE'):
        # The original design's grouping: same namespace (else node) within 5 minutes of the group's first event.
        import datetime
        def t(ev):
            v=ev.get('time');
            return datetime.datetime.fromisoformat(v.replace('Z','+00:00')).timestamp() if isinstance(v,str) else v/1e9
        evs=[json.loads(l) for l in open(f) if l.strip()]
        evs.sort(key=t); open_={}; groups=[]
        for ev in evs:
            k=ev.get('namespace') or ev.get('node') or ''
            g=open_.get(k)
            if g is None or t(ev)-g[0]>300:
                g=[t(ev),[]]; open_[k]=g; groups.append(g)
            g[1].append(int(str(ev['id']),16))
        P=[frozenset(g[1]) for g in groups if len(g[1])>1]
    E=[frozenset(int(e,16) for e in g['events']) for g in exp['groups']]
    pp=set(); ep=set()
    for s in P: pp|=set(itertools.combinations(sorted(s),2))
    for s in E: ep|=set(itertools.combinations(sorted(s),2))
    t=len(pp&ep); tp+=t; fp+=len(pp-ep); fn+=len(ep-pp)
    ex=len(set(P)&set(E)); gexact+=ex; gpred+=len(P); gexp+=len(E)
    pr=t/len(pp) if pp else 1.0; rc=t/len(ep) if ep else 1.0
    print(f"{name:28s} pairP={pr:.3f} pairR={rc:.3f} groups pred={len(P)} exp={len(E)} exact={ex}")
    if (pr<1 or rc<1 or ex<len(E) or ex<len(P)) and not os.environ.get('BASELINE'):
        for g in pred: print("   PRED",g['pattern'],g['status'],[e[-4:] for e in g['events']])
        for g in exp['groups']: print("   EXP ",g['pattern'],g.get('status'),[e[-4:] for e in g['events']])
print(f"TOTAL pairP={tp/(tp+fp):.3f} pairR={tp/(tp+fn):.3f} groupP={gexact/gpred:.3f} groupR={gexact/gexp:.3f}")
