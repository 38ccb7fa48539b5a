package analyze

import "fmt"

// Capped reports hits through a Scope, at most Max per rule. Flush adds one
// hit per capped rule saying how many more there were, so that a hostile
// file cannot flood the report and the count stays visible.
type Capped struct {
	Scope  Scope
	Max    int
	counts map[string]int
}

// Report records h unless its rule already reached the cap.
func (c *Capped) Report(h Hit) {
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[h.Rule]++
	if c.counts[h.Rule] <= c.Max {
		c.Scope.Report(h)
	}
}

// Flush reports the number of hits left out, per rule.
func (c *Capped) Flush() {
	for rule, n := range c.counts {
		if n > c.Max {
			c.Scope.Report(Hit{Rule: rule, Message: fmt.Sprintf("%d more occurrences were not listed", n-c.Max)})
		}
	}
}
