package dsl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/weirflow/weir/dag"
)

// defaultSlurmProcesses is how many jobs a Slurm pool keeps submitted when
// it doesn't say: enough to fill a small partition, few enough not to flood
// the queue.
const defaultSlurmProcesses = 100

type poolDecl struct {
	block *hcl.Block
	pool  dag.Pool
	// memRange points at the memory attribute, for messages about caps.
	memRange *hcl.Range
}

func (l *loader) declarePool(b *hcl.Block) {
	name := b.Labels[0]
	if !hclsyntax.ValidIdentifier(name) {
		l.add(hcl.Diagnostics{badName("pool", name, b.LabelRanges[0])})
		return
	}
	if prev, ok := l.pools[name]; ok {
		l.add(hcl.Diagnostics{duplicate("pool", name, prev.block.DefRange, b.DefRange)})
		return
	}
	p := &poolDecl{block: b, pool: dag.Pool{Name: name, Origin: pos(b.DefRange)}}
	l.pools[name] = p
	l.poolSeq = append(l.poolSeq, p)
}

var slurmOnly = []string{"partition", "account", "qos", "sbatch_args"}

func (l *loader) decodePools() {
	for _, p := range l.poolSeq {
		l.decodePool(p)
	}
	if _, ok := l.pools[dag.DefaultPool]; !ok {
		l.pools[dag.DefaultPool] = &poolDecl{pool: dag.Pool{
			Name: dag.DefaultPool, Executor: "local", Processes: l.opts.NumCPU,
		}}
	}
}

func (l *loader) decodePool(p *poolDecl) {
	content, diags := p.block.Body.Content(poolSchema)
	l.add(diags)
	ctx := l.baseContext()
	attrs := content.Attributes
	for _, attr := range attrs {
		if _, d := l.checkRefs(attr.Expr, scopeVar|scopeLocal|scopePath, "a pool", nil); d.HasErrors() {
			l.add(d)
			delete(attrs, attr.Name)
		}
	}
	pl := &p.pool
	pl.Executor = "local"
	if attr, ok := attrs["executor"]; ok {
		v, d := evalString(attr, ctx)
		l.add(d)
		switch {
		case d.HasErrors():
		case v == "local" || v == "slurm":
			pl.Executor = v
		default:
			l.add(hcl.Diagnostics{attrError(attr, "Unknown executor",
				fmt.Sprintf("executor is \"local\" or \"slurm\", not %q.%s", v, didYouMean(v, []string{"local", "slurm"})))})
		}
	}
	pl.Processes = l.opts.NumCPU
	if pl.Executor == "slurm" {
		pl.Processes = defaultSlurmProcesses
	}
	if attr, ok := attrs["processes"]; ok {
		n, d := evalInt(attr, ctx, 1)
		l.add(d)
		if !d.HasErrors() {
			pl.Processes = n
		}
	}
	if attr, ok := attrs["memory"]; ok {
		n, d := evalSize(attr, ctx)
		l.add(d)
		pl.Memory = n
		pl.MemoryOrigin = pos(attr.Range)
		p.memRange = attr.Expr.Range().Ptr()
		if !d.HasErrors() && n == 0 {
			l.add(hcl.Diagnostics{attrError(attr, "Invalid size", "A pool's memory must be above zero; leave it out to use only the workflow's budget.")})
		}
	}
	if attr, ok := attrs["cpus"]; ok {
		s, d := evalString(attr, ctx)
		l.add(d)
		if !d.HasErrors() {
			set, err := parseCPUList(s)
			switch {
			case err != nil:
				l.add(hcl.Diagnostics{attrError(attr, "Invalid CPU list", capitalize(err.Error())+". Write CPU numbers and ranges such as \"0-3,6\".")})
			case pl.Executor == "slurm":
				l.add(hcl.Diagnostics{attrError(attr, "CPU affinity in a Slurm pool", "Slurm places jobs on CPUs itself; set cpus on each stage to ask for a number of CPUs instead.")})
			case set[len(set)-1] >= l.opts.NumCPU:
				l.add(hcl.Diagnostics{attrError(attr, "CPU not on this host",
					fmt.Sprintf("The pool pins to CPU %d, but this host has CPUs 0-%d.", set[len(set)-1], l.opts.NumCPU-1))})
			default:
				pl.CPUSet = set
			}
		}
	}
	if attr, ok := attrs["shm_dir"]; ok {
		s, d := evalString(attr, ctx)
		l.add(d)
		pl.ShmDir = resolve(l.dir, s)
	}
	for _, name := range slurmOnly {
		attr, ok := attrs[name]
		if !ok {
			continue
		}
		if pl.Executor != "slurm" {
			l.add(hcl.Diagnostics{attrError(attr, "Slurm setting in a local pool",
				fmt.Sprintf("%s applies to Slurm pools only; add executor = \"slurm\" or remove it.", name))})
			continue
		}
		if name == "sbatch_args" {
			args, d := evalStrings(attr, ctx)
			l.add(d)
			pl.SbatchArgs = args
			continue
		}
		s, d := evalString(attr, ctx)
		l.add(d)
		switch name {
		case "partition":
			pl.Partition = s
		case "account":
			pl.Account = s
		case "qos":
			pl.QOS = s
		}
	}
	if pl.Executor == "slurm" && pl.ShmDir == "" {
		l.add(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Slurm pool without shm_dir",
			Detail:  fmt.Sprintf("Pool %q runs its tasks on cluster nodes, which cannot see this machine's /dev/shm. Set shm_dir to a directory every node shares.", pl.Name),
			Subject: p.block.DefRange.Ptr()}})
	}
}

func (l *loader) planPools() []*dag.Pool {
	out := make([]*dag.Pool, 0, len(l.pools))
	for _, p := range l.pools {
		pl := p.pool
		out = append(out, &pl)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// parseCPUList reads a Linux CPU list ("0-3,6") into sorted, distinct CPU
// numbers.
func parseCPUList(s string) ([]int, error) {
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("%q is not a CPU number", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("%q is not a CPU range", part)
			}
		}
		if b > 4095 {
			return nil, fmt.Errorf("CPU %d is beyond any host", b)
		}
		for c := a; c <= b; c++ {
			seen[c] = true
		}
	}
	out := make([]int, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Ints(out)
	return out, nil
}

func pos(r hcl.Range) dag.Pos {
	return dag.Pos{File: r.Filename, Line: r.Start.Line, Column: r.Start.Column}
}
