package matrix

import (
	"encoding/json"

	"encoding/xml"
	"fmt"
	"github.com/sshmatrix/sshmatrix/scenarios"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is one run of the matrix.
type Report struct {
	Mode     string         `json:"mode"`
	Shard    string         `json:"shard"`
	Started  time.Time      `json:"started"`
	Duration time.Duration  `json:"duration_ns"`
	Servers  []string       `json:"servers"`
	Counts   map[string]int `json:"counts"`
	Results  []*Result      `json:"cells"`
	// Scenarios are the user-reported configurations (scenarios/), when the
	// run included them (make matrix does).
	Scenarios []*scenarios.Result `json:"scenarios,omitempty"`
}

// summarize fills Counts and sorts the results.
func (rep *Report) summarize() {
	sort.Slice(rep.Results, func(i, j int) bool { return rep.Results[i].Cell.ID < rep.Results[j].Cell.ID })
	rep.Counts = map[string]int{Pass: 0, Fail: 0, ExpectedFail: 0, UnexpectedPass: 0, Unsupported: 0}
	for _, r := range rep.Results {
		rep.Counts[r.Outcome]++
	}
}

// Failed reports whether any cell or scenario failed, or a cell passed
// against its expectation.
func (rep *Report) Failed() bool {
	for _, s := range rep.Scenarios {
		if s.Outcome == scenarios.Fail {
			return true
		}
	}
	return rep.Counts[Fail]+rep.Counts[UnexpectedPass] > 0
}

// WriteAll writes matrix.json, matrix.xml (JUnit), matrix.md and
// matrix.html into dir. Secrets never reach them: sshlib's key log is not
// enabled here, and the server logs are of sshd's DEBUG3, which prints no keys.
func (rep *Report) WriteAll(dir string) error {
	rep.summarize()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("matrix: report dir: %w", err)
	}
	for name, f := range map[string]func() ([]byte, error){
		"matrix.json": rep.json, "matrix.xml": rep.junit, "matrix.md": rep.markdown, "matrix.html": rep.html,
	} {
		b, err := f()
		if err != nil {
			return fmt.Errorf("matrix: %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("matrix: write %s: %w", name, err)
		}
	}
	return nil
}

func (rep *Report) json() ([]byte, error) { return json.MarshalIndent(rep, "", "  ") }

// JUnit XML: one testsuite per server, one testcase per cell.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}
type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}
type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (rep *Report) junit() ([]byte, error) {
	suites := map[string]*junitSuite{}
	for _, r := range rep.Results {
		s := suites[r.Cell.Server]
		if s == nil {
			s = &junitSuite{Name: r.Cell.Server}
			suites[r.Cell.Server] = s
		}
		c := junitCase{Name: strings.TrimPrefix(r.Cell.ID, r.Cell.Server+"/"), Classname: "matrix." + r.Cell.Server, Time: r.Duration.Seconds()}
		switch r.Outcome {
		case Fail, UnexpectedPass:
			c.Failure = &junitFailure{Message: r.Outcome + ": " + firstLineOf(r.Error), Text: r.Error + "\n\nrerun: " + r.Repro + "\n\nserver log tail:\n" + tail(r.ServerLog, 40)}
			s.Failures++
		case Unsupported, ExpectedFail:
			c.Skipped = &junitFailure{Message: r.Outcome + ": " + r.Reason}
			s.Skipped++
		}
		s.Tests++
		s.Time += c.Time
		s.Cases = append(s.Cases, c)
	}
	var out junitSuites
	for _, id := range sortedKeys(suites) {
		out.Suites = append(out.Suites, *suites[id])
	}
	if len(rep.Scenarios) > 0 {
		s := junitSuite{Name: "scenarios"}
		for _, r := range rep.Scenarios {
			c := junitCase{Name: r.Scenario + "/" + r.Server, Classname: "scenarios", Time: r.Duration.Seconds()}
			switch r.Outcome {
			case scenarios.Fail:
				c.Failure = &junitFailure{Message: "expected " + r.Expected + ", observed " + r.Observed, Text: r.Error + "\n\nserver log tail:\n" + tail(r.ServerLog, 40)}
				s.Failures++
			case scenarios.Unsupported:
				c.Skipped = &junitFailure{Message: "unsupported: " + r.Observed}
				s.Skipped++
			}
			s.Tests++
			s.Time += c.Time
			s.Cases = append(s.Cases, c)
		}
		out.Suites = append(out.Suites, s)
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	return append([]byte(xml.Header), b...), err
}

// algorithmCells groups results by server and by algorithm (any class):
// the grid of the summary reports.
func (rep *Report) grid() (servers []string, algs []string, cells map[string]map[string][]*Result) {
	cells = map[string]map[string][]*Result{}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if r.Cell.NegClass != "" {
			continue
		}
		if cells[r.Cell.Server] == nil {
			cells[r.Cell.Server] = map[string][]*Result{}
			servers = append(servers, r.Cell.Server)
		}
		for _, a := range []string{"kex:" + r.Cell.Kex, "cipher:" + r.Cell.Cipher, "mac:" + orImplicit(r.Cell.MAC), "hostkey:" + r.Cell.HostKey} {
			cells[r.Cell.Server][a] = append(cells[r.Cell.Server][a], r)
			if !seen[a] {
				seen[a] = true
				algs = append(algs, a)
			}
		}
	}
	slices.Sort(servers)
	classRank := map[string]int{"kex": 0, "cipher": 1, "mac": 2, "hostkey": 3}
	sort.Slice(algs, func(i, j int) bool {
		ci, cj := strings.SplitN(algs[i], ":", 2)[0], strings.SplitN(algs[j], ":", 2)[0]
		if ci != cj {
			return classRank[ci] < classRank[cj]
		}
		return algs[i] < algs[j]
	})
	return servers, algs, cells
}

// worst is the outcome a grid square shows: the worst of its cells.
func worst(rs []*Result) string {
	rank := map[string]int{Fail: 5, UnexpectedPass: 4, ExpectedFail: 3, Unsupported: 2, Pass: 1}
	w := ""
	for _, r := range rs {
		if rank[r.Outcome] > rank[w] {
			w = r.Outcome
		}
	}
	return w
}

func (rep *Report) markdown() ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# sshmatrix report\n\nMode `%s`, shard `%s`, started %s, took %s.\n\n", rep.Mode, rep.Shard, rep.Started.UTC().Format(time.RFC3339), rep.Duration.Round(time.Second))
	fmt.Fprintf(&b, "| result | cells |\n|---|---|\n")
	for _, o := range []string{Pass, Fail, ExpectedFail, UnexpectedPass, Unsupported} {
		fmt.Fprintf(&b, "| %s | %d |\n", o, rep.Counts[o])
	}
	servers, algs, cells := rep.grid()
	fmt.Fprintf(&b, "\n## Grid: algorithms (rows) by server (columns)\n\nEach square is the worst result of the cells using that algorithm on that server (✔ pass, ✘ fail, ◐ expected-fail, ! unexpected-pass, – unsupported; blank: not offered).\n\n")
	fmt.Fprintf(&b, "| algorithm | %s |\n|---|%s\n", strings.Join(servers, " | "), strings.Repeat("---|", len(servers)))
	sym := map[string]string{Pass: "✔", Fail: "✘", ExpectedFail: "◐", UnexpectedPass: "!", Unsupported: "–", "": ""}
	for _, a := range algs {
		fmt.Fprintf(&b, "| `%s` |", a)
		for _, s := range servers {
			rs := cells[s][a]
			if len(rs) == 0 {
				fmt.Fprintf(&b, " |")
				continue
			}
			fmt.Fprintf(&b, " %s %d |", sym[worst(rs)], len(rs))
		}
		b.WriteString("\n")
	}
	if len(rep.Scenarios) > 0 {
		fmt.Fprintf(&b, "\n## User-reported scenarios\n\n| scenario | server | result | expected | observed |\n|---|---|---|---|---|\n")
		for _, r := range rep.Scenarios {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.Scenario, r.Server, r.Outcome, mdCell(r.Expected), mdCell(r.Observed))
		}
	}
	var bad []*Result
	for _, r := range rep.Results {
		if r.Outcome == Fail || r.Outcome == UnexpectedPass {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(&b, "\n## Failures\n\n")
		for _, r := range bad {
			fmt.Fprintf(&b, "- `%s`: %s\n  - rerun: `%s`\n", r.Cell.ID, firstLineOf(r.Error), r.Repro)
		}
	}
	return []byte(b.String()), nil
}

var htmlTmpl = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"worst": worst, "short": func(s string) string { return strings.SplitN(s, ":", 2)[1] },
	"class": func(s string) string { return strings.SplitN(s, ":", 2)[0] },
	"dur":   func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"tail":  func(s string) string { return tail(s, 200) },
	"anchor": func(id string) string {
		return regexp.MustCompile(`[^A-Za-z0-9_-]`).ReplaceAllString(id, "_")
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sshmatrix report</title>
<style>
body{font:13px system-ui,sans-serif;margin:1em}
table.grid{border-collapse:collapse}
.grid th,.grid td{border:1px solid #ccc;padding:2px 4px;text-align:center}
.grid th.alg{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;white-space:nowrap}
.pass{background:#b7e4b7}.fail{background:#f4a6a6}.expected-fail{background:#f5e39a}
.unexpected-pass{background:#f0b3f0}.unsupported{background:#ddd}
td a{color:inherit;text-decoration:none;display:block}
details{margin:2px 0}pre{background:#f6f6f6;padding:4px;max-height:30em;overflow:auto;white-space:pre-wrap}
</style></head><body>
<h1>sshmatrix report</h1>
<p>Mode <b>{{.R.Mode}}</b>, shard {{.R.Shard}}, started {{.R.Started.UTC.Format "2006-01-02 15:04:05 UTC"}}, took {{dur .R.Duration}}.
{{range $k, $v := .R.Counts}}<span class="{{$k}}">&nbsp;{{$k}}: {{$v}}&nbsp;</span> {{end}}</p>
<p>Servers are rows, algorithms columns; each square is the worst result of the cells that use that algorithm on that server, with their count. Click a square to jump to its cells; every cell opens its error, rerun command and server log.</p>
<table class="grid"><tr><th>server</th>{{range .Algs}}<th class="alg" title="{{.}}">{{class .}}: {{short .}}</th>{{end}}</tr>
{{range $s := .Servers}}<tr><th>{{$s}}</th>{{range $a := $.Algs}}{{with index (index $.Cells $s) $a}}<td class="{{worst .}}"><a href="#{{anchor (printf "%s %s" $s $a)}}">{{len .}}</a></td>{{else}}<td></td>{{end}}{{end}}</tr>
{{end}}</table>
<h2>Cells by server and algorithm</h2>
{{range $s := .Servers}}{{range $a := $.Algs}}{{with index (index $.Cells $s) $a}}<h3 id="{{anchor (printf "%s %s" $s $a)}}">{{$s}} — {{$a}}</h3><ul>{{range .}}
<li class="{{.Outcome}}"><a href="#{{anchor .Cell.ID}}">{{.Outcome}}: {{.Cell.ID}}</a></li>{{end}}</ul>{{end}}{{end}}{{end}}
<h2>Cells</h2>
{{range .All}}<details id="{{anchor .Cell.ID}}" class="{{.Outcome}}"><summary>{{.Outcome}}: {{.Cell.ID}} ({{dur .Duration}}, {{.Cell.Auth}}{{if .Cell.ClientRekey}}, client re-key{{end}}{{if .Cell.ServerRekey}}, server re-key{{end}})</summary>
{{if .Error}}<p><b>error:</b> {{.Error}}</p>{{end}}{{if .Reason}}<p><b>reason:</b> {{.Reason}}</p>{{end}}
<p><b>server check:</b> {{.ServerCheck}}</p><p><b>rerun:</b> <code>{{.Repro}}</code></p>
<pre>{{tail .ServerLog}}</pre></details>
{{end}}
{{if .R.Scenarios}}<h2>User-reported scenarios</h2>
{{range .R.Scenarios}}<details class="{{.Outcome}}"><summary>{{.Outcome}}: {{.Scenario}} on {{.Server}} ({{.Iterations}} connection(s))</summary>
<p><b>expected:</b> {{.Expected}}</p><p><b>observed:</b> {{.Observed}}</p>{{if .Error}}<p><b>error:</b> {{.Error}}</p>{{end}}<pre>{{tail .ServerLog}}</pre></details>{{end}}{{end}}
<h2>Negative cells</h2>
{{range .Neg}}<details id="{{anchor .Cell.ID}}" class="{{.Outcome}}"><summary>{{.Outcome}}: {{.Cell.ID}}</summary><p>{{.Error}}</p><p><code>{{.Repro}}</code></p></details>{{end}}
</body></html>
`))

func (rep *Report) html() ([]byte, error) {
	servers, algs, cells := rep.grid()
	var neg []*Result
	for _, r := range rep.Results {
		if r.Cell.NegClass != "" {
			neg = append(neg, r)
		}
	}
	var b strings.Builder
	var all []*Result
	for _, r := range rep.Results {
		if r.Cell.NegClass == "" {
			all = append(all, r)
		}
	}
	err := htmlTmpl.Execute(&b, map[string]any{"R": rep, "Servers": servers, "Algs": algs, "Cells": cells, "Neg": neg, "All": all})
	return []byte(b.String()), err
}

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

func orImplicit(mac string) string {
	if mac == "" {
		return implicitMAC
	}
	return mac
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d earlier lines)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}
