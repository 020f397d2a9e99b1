package lsp

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Go to definition, find references and rename, for stages, outputs,
// pools, variables and locals. A workflow is one file, so every answer is
// in the document asked about.

func (s *Server) definition(p positionParams) ([]Location, error) {
	snap, off, err := s.at(p)
	if err != nil || snap == nil {
		return nil, err
	}
	k, _, ok := snap.index.at(off)
	if !ok {
		return []Location{}, nil
	}
	d, ok := snap.index.decls[k]
	if !ok {
		return []Location{}, nil
	}
	return []Location{{URI: p.TextDocument.URI, Range: snap.text.span(d.name.start, d.name.end)}}, nil
}

func (s *Server) references(p referenceParams) ([]Location, error) {
	snap, off, err := s.at(p.positionParams)
	if err != nil || snap == nil {
		return nil, err
	}
	k, _, ok := snap.index.at(off)
	if !ok {
		return []Location{}, nil
	}
	out := []Location{}
	if d, ok := snap.index.decls[k]; ok && p.Context.IncludeDeclaration {
		out = append(out, Location{URI: p.TextDocument.URI, Range: snap.text.span(d.name.start, d.name.end)})
	}
	for _, u := range snap.index.uses(k) {
		out = append(out, Location{URI: p.TextDocument.URI, Range: snap.text.span(u.start, u.end)})
	}
	return out, nil
}

func (s *Server) prepareRename(p positionParams) (*Range, error) {
	snap, off, err := s.at(p)
	if err != nil || snap == nil {
		return nil, err
	}
	k, sp, ok := snap.index.at(off)
	if _, declared := snap.index.decls[k]; !ok || !declared {
		return nil, nil
	}
	r := snap.text.span(sp.start, sp.end)
	return &r, nil
}

func (s *Server) rename(p renameParams) (*WorkspaceEdit, error) {
	snap, off, err := s.at(p.positionParams)
	if err != nil || snap == nil {
		return nil, err
	}
	k, _, ok := snap.index.at(off)
	d, declared := snap.index.decls[k]
	if !ok || !declared {
		return nil, rpcError(codeRequestFailed, "nothing to rename here: put the cursor on a stage, output, pool, variable or local")
	}
	if !hclsyntax.ValidIdentifier(p.NewName) {
		return nil, rpcError(codeRequestFailed, "%q is not a valid name: a letter or underscore, then letters, digits and underscores", p.NewName)
	}
	if _, taken := snap.index.decls[symKey{kind: k.kind, stage: k.stage, name: p.NewName}]; taken {
		return nil, rpcError(codeRequestFailed, "a %s named %q is declared already", k.kind, p.NewName)
	}
	edits := []TextEdit{{Range: snap.text.span(d.name.start, d.name.end), NewText: p.NewName}}
	for _, u := range snap.index.uses(k) {
		edits = append(edits, TextEdit{Range: snap.text.span(u.start, u.end), NewText: p.NewName})
	}
	return &WorkspaceEdit{Changes: map[string][]TextEdit{p.TextDocument.URI: edits}}, nil
}
