package event

// Committed is one output as committed: where it is, its size and a hash
// of its bytes, which resume compares to tell whether it is intact and
// whether a consumer's input changed.
type Committed struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Size int64  `json:"size"`
	// Hash is empty for a segment over 64 MiB until it is hashed after
	// the commit (see Commit).
	Hash string `json:"hash"`
}
