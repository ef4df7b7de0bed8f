package matrix

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// passLogLines is how much of a passing cell's server log the reports keep.
const passLogLines = 25

// Options select what a run covers.
type Options struct {
	Mode         string // smoke, pairwise (default), full
	Servers      string // SelectServers spec; "" = all
	Shard        string // "k/n"; "" = everything
	Expectations string // path of the expectations file
}

// Plan is a prepared run: servers started, cells generated.
type Plan struct {
	Options
	servers map[string]*running
	order   []Server
	Cells   []*Cell
	exps    []*Expectation
	started time.Time

	mu      sync.Mutex
	results []*Result
}

// Prepare starts the selected servers (a few at a time) and generates
// their cells. On error it returns the plan so far, for Close.
func Prepare(ctx context.Context, o Options) (*Plan, error) {
	p := &Plan{Options: o, servers: map[string]*running{}, started: time.Now()}
	if p.Mode == "" {
		p.Mode = ModePairwise
	}
	var err error
	if p.order, err = SelectServers(o.Servers); err != nil {
		return p, err
	}
	k, n, err := ParseShard(o.Shard)
	if err != nil {
		return p, err
	}
	if o.Expectations != "" {
		if p.exps, err = LoadExpectations(o.Expectations); err != nil {
			return p, err
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	sem := make(chan struct{}, 4)
	for _, s := range p.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r, err := startServer(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			if r != nil {
				p.servers[s.ID] = r
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", s.ID, err))
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return p, fmt.Errorf("matrix: starting servers:\n  %s", strings.Join(errs, "\n  "))
	}
	for _, s := range p.order {
		cells, err := GenerateCells(p.servers[s.ID], p.Mode)
		if err != nil {
			return p, err
		}
		p.Cells = append(p.Cells, Shard(cells, k, n)...)
	}
	return p, nil
}

// Close stops every server the plan started.
func (p *Plan) Close(ctx context.Context) {
	for _, r := range p.servers {
		if r.stop != nil {
			r.stop(ctx)
		}
	}
}

// ServerOrder is the selected servers, in order.
func (p *Plan) ServerOrder() []Server { return p.order }

// RunCell runs one cell, applies the expectations and records the result.
func (p *Plan) RunCell(ctx context.Context, c *Cell) *Result {
	var res *Result
	if e := matchExpectation(p.exps, c.ID); e != nil && e.Result == Unsupported {
		res = &Result{Cell: c, Outcome: Unsupported, Reason: e.Reason}
	} else {
		res = runCell(ctx, p.servers[c.Server], c)
		if e != nil {
			res.Reason = e.Reason
			switch res.Outcome {
			case Fail:
				res.Outcome = ExpectedFail
			case Pass:
				res.Outcome = UnexpectedPass
				res.Error = "passed, but the expectations file says it fails: " + e.Reason
			}
		}
	}
	res.Repro = p.Repro(c)
	if res.Outcome == Pass {
		// A passing cell keeps the tail of its server log (the kex lines
		// are near its start, and were asserted already); a failing one
		// keeps it all, for the report.
		res.ServerLog = tail(res.ServerLog, passLogLines)
	}
	p.mu.Lock()
	p.results = append(p.results, res)
	p.mu.Unlock()
	return res
}

// Repro is the one command that reruns only this cell.
func (p *Plan) Repro(c *Cell) string {
	parts := []string{"^TestMatrix$"}
	for _, el := range strings.Split(c.ID, "/") {
		parts = append(parts, "^"+regexp.QuoteMeta(el)+"$")
	}
	return fmt.Sprintf("go test ./matrix -count=1 -run '%s' -matrix.servers=%s -matrix.mode=%s", strings.Join(parts, "/"), c.Server, p.Mode)
}

// Progress is how far a run is: cells done, failed (including unexpected
// passes), and the total.
func (p *Plan) Progress() (done, failed, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.results {
		if r.Outcome == Fail || r.Outcome == UnexpectedPass {
			failed++
		}
	}
	return len(p.results), failed, len(p.Cells)
}

// ProgressLine renders Progress with the elapsed time and an estimate of
// the time left.
func (p *Plan) ProgressLine() string {
	done, failed, total := p.Progress()
	elapsed := time.Since(p.started)
	left := "?"
	if done > 0 {
		left = (elapsed / time.Duration(done) * time.Duration(total-done)).Round(time.Second).String()
	}
	return fmt.Sprintf("%d/%d cells, %d failed, %s elapsed, ~%s left", done, total, failed, elapsed.Round(time.Second), left)
}

// Report assembles the results so far.
func (p *Plan) Report() *Report {
	p.mu.Lock()
	defer p.mu.Unlock()
	rep := &Report{Mode: p.Mode, Shard: p.Shard, Started: p.started, Duration: time.Since(p.started), Results: append([]*Result(nil), p.results...)}
	if rep.Shard == "" {
		rep.Shard = "1/1"
	}
	for _, s := range p.order {
		rep.Servers = append(rep.Servers, s.ID)
	}
	rep.summarize()
	return rep
}

// Run runs every cell with a pool of workers, calling progress after each.
// It is what `sshmatrix run` uses; `go test ./matrix` runs the same cells
// as subtests instead.
func (p *Plan) Run(ctx context.Context, workers int, progress func(done, total, failed int, elapsed time.Duration)) *Report {
	if workers < 1 {
		workers = 1
	}
	cells := make(chan *Cell)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, failed := 0, 0
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range cells {
				res := p.RunCell(ctx, c)
				mu.Lock()
				done++
				if res.Outcome == Fail || res.Outcome == UnexpectedPass {
					failed++
				}
				if progress != nil {
					progress(done, len(p.Cells), failed, time.Since(p.started))
				}
				mu.Unlock()
			}
		}()
	}
	for _, c := range p.Cells {
		select {
		case cells <- c:
		case <-ctx.Done():
		}
	}
	close(cells)
	wg.Wait()
	return p.Report()
}
