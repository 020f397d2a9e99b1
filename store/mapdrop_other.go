//go:build !linux

package store

// dropMapped does nothing where the map's resident pages are not
// measured.
func (s *Store) dropMapped() {}
