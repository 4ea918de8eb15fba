package memstore

import (
	"slices"

	"github.com/eventcc/eventcc/contactcenter"
)

// Services are copied with [contactcenter.Service.Clone]; plans and
// journal entries here, explicitly for the same reasons.

func copyPlan(p contactcenter.Plan) contactcenter.Plan {
	p.Steps = slices.Clone(p.Steps)
	for i := range p.Steps {
		p.Steps[i].Undo = copyUndo(p.Steps[i].Undo)
	}
	return p
}

// copyUndo copies a chain of undo steps.
func copyUndo(s *contactcenter.Step) *contactcenter.Step {
	if s == nil {
		return nil
	}
	c := *s
	c.Undo = copyUndo(s.Undo)
	return &c
}

func copyEntry(e contactcenter.JournalEntry) contactcenter.JournalEntry {
	e.Output = slices.Clone(e.Output)
	return e
}
