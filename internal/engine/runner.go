package engine

// runner is a long-lived goroutine that runs one file's analysis at a time.
// Analyses run off the worker's goroutine so that one ignoring its time
// budget can be abandoned; reusing the goroutine keeps its grown stack, which
// a fresh goroutine per file would regrow every time (a third of the time on
// small files).
type runner struct{ jobs chan func() }

func newRunner() *runner {
	r := &runner{jobs: make(chan func())}
	go func() {
		for job := range r.jobs {
			job()
		}
	}()
	return r
}

// start hands job to the runner's goroutine.
func (r *runner) start(job func()) { r.jobs <- job }

// abandon lets the goroutine exit once its current job ends (it is still
// running past its budget) and gives r a fresh goroutine for the next file.
func (r *runner) abandon() {
	close(r.jobs)
	*r = *newRunner()
}

func (r *runner) stop() { close(r.jobs) }
