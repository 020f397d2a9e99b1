package lsp

func (s *Server) completion(p positionParams) (*CompletionList, error) { return &CompletionList{}, nil }
func (s *Server) hover(p positionParams) (*Hover, error)               { return nil, nil }
func (s *Server) definition(p positionParams) ([]Location, error)      { return nil, nil }
func (s *Server) references(p referenceParams) ([]Location, error)     { return nil, nil }
func (s *Server) prepareRename(p positionParams) (*Range, error)       { return nil, nil }
func (s *Server) rename(p renameParams) (*WorkspaceEdit, error)        { return nil, nil }
func (s *Server) documentSymbol(p documentParams) ([]DocumentSymbol, error) {
	return nil, nil
}
func (s *Server) codeAction(p codeActionParams) ([]CodeAction, error) { return nil, nil }
