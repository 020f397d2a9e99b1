package dag

import "time"

// Plan is a checked workflow: its settings, pools and tasks, and the graph
// between the tasks. A Plan is built once and then only read.
type Plan struct {
	Name     string   `json:"name"`
	File     string   `json:"file"` // absolute path of the workflow file
	Settings Settings `json:"settings"`
	Pools    []*Pool  `json:"pools"`  // sorted by name; always has DefaultPool
	Stages   []string `json:"stages"` // stage names in declaration order
	Tasks    []*Task  `json:"tasks"`  // in declaration order, instances by key
	Graph    *Graph   `json:"-"`

	// MemoryOrigins holds, by stage name, where each stage that declares
	// memory declares it: an oom's fix points at that line, not at the
	// stage's first. Kept per stage, not per task, since a wide stage's
	// tasks share the attribute.
	MemoryOrigins map[string]Pos `json:"-"`
}

// Settings are the workflow block's attributes, resolved to absolute paths.
type Settings struct {
	StateDir     string `json:"state_dir"`
	ShmDir       string `json:"shm_dir"`
	MemoryBudget int64  `json:"memory_budget,omitempty"` // bytes, 0 = a share of available memory
	// ShmReuse is the most bytes of released segments kept in shm_dir for
	// later outputs to write over (see shm.Pool); 0 = none are kept.
	ShmReuse int64 `json:"shm_reuse,omitempty"`
	// MemoryBudgetOrigin is where memory_budget is set, zero when it is not.
	MemoryBudgetOrigin Pos `json:"-"`
}

// MaxTasks is the most tasks a plan may hold. A million tasks of one stage
// load in a few seconds and a few hundred MiB; the limit leaves room above
// that and refuses, before anything runs, a fan-out nobody meant.
const MaxTasks = 2_000_000

// DefaultPool is the pool of stages that name none.
const DefaultPool = "default"

// Pool is a set of process slots and a memory budget shared by its tasks.
type Pool struct {
	Name      string `json:"name"`
	Executor  string `json:"executor"`         // "local" or "slurm"
	Processes int    `json:"processes"`        // concurrent tasks
	Memory    int64  `json:"memory,omitempty"` // bytes, 0 = only the global budget
	CPUSet    []int  `json:"cpuset,omitempty"` // affinity of every task, empty = any
	ShmDir    string `json:"shm_dir,omitempty"`

	// Slurm settings, empty for local pools.
	Partition  string   `json:"partition,omitempty"`
	Account    string   `json:"account,omitempty"`
	QOS        string   `json:"qos,omitempty"`
	SbatchArgs []string `json:"sbatch_args,omitempty"`

	Origin Pos `json:"origin,omitzero"` // zero for the implicit default pool
	// MemoryOrigin is where the pool's memory is set, zero when it is not.
	MemoryOrigin Pos `json:"-"`
}

// Pool returns the pool with the given name, or nil.
func (p *Plan) Pool(name string) *Pool {
	for _, pl := range p.Pools {
		if pl.Name == name {
			return pl
		}
	}
	return nil
}

// Task returns the task with the given ID, or nil.
func (p *Plan) Task(id string) *Task {
	if p.Graph != nil {
		if t, ok := p.Graph.Task(id); ok {
			return t
		}
		return nil
	}
	for _, t := range p.Tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Weight is how long ordering assumes a task runs: its declared estimate, else
// one second, so that paths of tasks without estimates compare by length.
func (t *Task) Weight() time.Duration {
	if t.Estimate > 0 {
		return t.Estimate
	}
	return time.Second
}
