package engine

import "sync"

// backlogWindow is how many writes the engine queues in the store between
// two looks at how far behind the store's commits are.
const backlogWindow = 1024

// backlog keeps the engine at most two windows of writes ahead of the
// store's commits. The store queues every write and commits in the
// background; when many tasks change at once (100,000 made ready at the
// start of a run, their definitions before it) the engine queues far faster
// than the store commits, and an unbounded queue held about 1 KiB a write:
// 110 MiB at 100,000 tasks, kept afterwards as the capacity of the store's
// queue. In a steady run the store is ahead and the wait returns at once.
type backlog struct {
	mu   sync.Mutex
	n    int
	mark func() error // waits for the write that closed the last window
}

// add counts one write queued in the store, whose wait returns once it is
// committed. At the end of each window it waits for the end of the window
// before, and returns that wait's error.
func (b *backlog) add(wait func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	if b.n%backlogWindow != 0 {
		return nil
	}
	prev := b.mark
	b.mark = wait
	if prev == nil {
		return nil
	}
	return prev()
}
