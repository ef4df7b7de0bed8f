package matrix

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"

	"github.com/sshmatrix/sshmatrix/matrix/internal/pairwise"
	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Modes of case generation.
const (
	ModeSmoke    = "smoke"    // every algorithm of every class at least once per server
	ModePairwise = "pairwise" // all pairs across (kex, cipher, MAC, host key); the default
	ModeFull     = "full"     // the cartesian product
)

// implicitMAC names the MAC dimension of an AEAD cipher in ids and reports
// (OpenSSH's log says "MAC: <implicit>").
const implicitMAC = "implicit"

// serverRekeyLimit is the RekeyLimit of cells with a server-initiated re-key:
// small enough that the 1 MiB transfer crosses it several times.
const serverRekeyLimit = "256K"

// Cell is one matrix case: a server and one algorithm per class. Cells are
// data; their ids are stable and readable, and every per-cell variation
// (auth method, re-keys, transfer edge) is derived from the id, so adding
// or removing other cells never changes what a cell does.
type Cell struct {
	ID      string `json:"id"`
	Server  string `json:"server"`
	Kex     string `json:"kex"`
	HostKey string `json:"hostkey"`
	Cipher  string `json:"cipher"`
	MAC     string `json:"mac,omitempty"` // "" for AEAD ciphers
	// Compression is "none" except in compression cells. It is the
	// server-to-client method; CompressionC2S differs only for a server that
	// compresses one way (Dropbear 2025+ offers zlib server-to-client only).
	Compression    string `json:"compression"`
	CompressionC2S string `json:"compression_c2s"`

	// NegClass, when set, makes this a negative cell: sshlib offers only
	// NegOffer for that class, which the server lacks, and the cell passes
	// if sshlib fails with its typed negotiation error naming the class.
	NegClass string `json:"neg_class,omitempty"`
	NegOffer string `json:"neg_offer,omitempty"`

	Auth        string `json:"auth"` // "publickey:<type>" or "password"
	ClientRekey bool   `json:"client_rekey"`
	ServerRekey bool   `json:"server_rekey"`
	Edge        int    `json:"edge"` // the packet/window-edge transfer size

	Why string `json:"why"` // which rule generated it
}

// cellID renders the id: server/kex=../cipher=../mac=../hostkey=..
func cellID(server, kex, cipher, mac, hostKey, compression string) string {
	if mac == "" {
		mac = implicitMAC
	}
	id := fmt.Sprintf("%s/kex=%s/cipher=%s/mac=%s/hostkey=%s", server, kex, cipher, mac, hostKey)
	if compression != "" && compression != "none" {
		id += "/compression=" + compression
	}
	return id
}

// edges are transfer sizes around SSH's packet and window boundaries:
// sshlib's maximum packet (32 KiB), the server's, and the initial windows.
var edges = []int{0, 1, 32767, 32768, 32769, 65535, 65536, 131071, 2<<20 - 1, 2<<20 + 1}

func idHash(id string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()
}

// finish fills in the per-cell variations from the id.
func (c *Cell) finish(r *running) {
	h := idHash(c.ID)
	keys := r.userKeys
	c.Auth = "publickey:" + keys[h%uint32(len(keys))]
	if r.password && h%4 == 1 {
		c.Auth = "password"
	}
	c.ClientRekey = h%5 == 2
	c.ServerRekey = r.restricts && h%5 == 3
	c.Edge = edges[(h/7)%uint32(len(edges))]
	if c.Compression == "" {
		c.Compression = "none"
	}
	if c.CompressionC2S == "" {
		c.CompressionC2S = c.Compression
	}
}

// common returns the names of a class both the server offers and sshlib
// implements, in sshlib's registry order (deterministic, server order aside).
func common(r *running, class string) []string {
	var out []string
	for _, n := range sshlib.SupportedNames(class) {
		if slices.Contains(r.offer[class], n) {
			out = append(out, n)
		}
	}
	return out
}

// GenerateCells makes the cells of one server for a mode.
func GenerateCells(r *running, mode string) ([]*Cell, error) {
	kexes, ciphers, macs, hks := common(r, sshlib.ClassKex), common(r, sshlib.ClassCipher), common(r, sshlib.ClassMAC), common(r, sshlib.ClassHostKey)
	for class, l := range map[string][]string{sshlib.ClassKex: kexes, sshlib.ClassCipher: ciphers, sshlib.ClassHostKey: hks} {
		if len(l) == 0 {
			return nil, fmt.Errorf("matrix: %s offers no %s algorithm sshlib implements (server offers %v)", r.ID, class, r.offer[class])
		}
	}
	macVals := append([]string{implicitMAC}, macs...)
	factors := []pairwise.Factor{{Name: "kex", Values: kexes}, {Name: "cipher", Values: ciphers}, {Name: "mac", Values: macVals}, {Name: "hostkey", Values: hks}}
	valid := func(row []string) bool {
		c, m := row[1], row[2]
		if c == "" || m == "" {
			return true
		}
		return sshlib.CipherIsAEAD(c) == (m == implicitMAC)
	}
	var rows []pairwise.Row
	var why string
	switch mode {
	case ModeSmoke:
		rows, why = smokeRows(factors, valid), "smoke: each algorithm once"
	case ModePairwise, "":
		var err error
		if rows, err = pairwise.Generate(factors, valid); err != nil {
			return nil, err
		}
		why = "pairwise"
	case ModeFull:
		rows, why = pairwise.Product(factors, valid), "full product"
	default:
		return nil, fmt.Errorf("matrix: unknown mode %q (want %s, %s or %s)", mode, ModeSmoke, ModePairwise, ModeFull)
	}
	seen := map[string]bool{}
	var cells []*Cell
	add := func(c *Cell) {
		if seen[c.ID] {
			return
		}
		seen[c.ID] = true
		c.finish(r)
		cells = append(cells, c)
	}
	mk := func(kex, cipher, mac, hk, comp, why string) *Cell {
		if mac == implicitMAC {
			mac = ""
		}
		return &Cell{ID: cellID(r.ID, kex, cipher, mac, hk, comp), Server: r.ID, Kex: kex, Cipher: cipher, MAC: mac, HostKey: hk, Compression: comp, Why: why}
	}
	for _, row := range rows {
		add(mk(row[0], row[1], row[2], row[3], "", why))
	}
	if mode != ModeSmoke {
		// Every (kex hash, KDF extension rounds) pair the sets allow
		// (past-bugs.md: the key-extension bugs live in these pairs).
		covered := map[string]bool{}
		for _, c := range cells {
			covered[roundsKey(c.Kex, c.Cipher, c.MAC)] = true
		}
		for _, k := range kexes {
			for _, ci := range ciphers {
				for _, m := range macVals {
					if !valid([]string{k, ci, m, ""}) {
						continue
					}
					mm := m
					if mm == implicitMAC {
						mm = ""
					}
					key := roundsKey(k, ci, mm)
					if !covered[key] {
						covered[key] = true
						add(mk(k, ci, m, hks[0], "", "kdf rounds "+key))
					}
				}
			}
		}
	}
	base := baseRow(kexes, ciphers, macs, hks)
	// Compression against real peers: each method the server offers
	// server-to-client; client-to-server too where it offers it there.
	// These cells always re-key: RFC 4253 §6.2 restarts the compression
	// context after each key exchange, a rule sshlib once got wrong.
	for _, z := range common(r, sshlib.ClassCompression) {
		if z == "none" {
			continue
		}
		var c *Cell
		if r.compC2S == nil || slices.Contains(r.compC2S, z) {
			c = mk(base[0], base[1], base[2], base[3], z, "compression")
		} else {
			c = mk(base[0], base[1], base[2], base[3], "s2c:"+z, "compression, server-to-client only")
			c.Compression, c.CompressionC2S = z, "none"
		}
		add(c)
		c.ClientRekey, c.ServerRekey = true, r.restricts
	}
	for _, c := range negativeCells(r, base) {
		add(c)
	}
	return cells, nil
}

// roundsKey names a cell's (kex hash, extension rounds) pair.
func roundsKey(kex, cipher, mac string) string {
	h, _ := sshlib.KeyExchangeHash(kex)
	n, err := sshlib.ExtensionRounds(kex, cipher, mac)
	if err != nil {
		return "invalid"
	}
	return fmt.Sprintf("%s/%d", h, n)
}

// smokeRows: each value of each factor once, the others at their first
// valid value (round-robin so the rows differ in more than one place).
func smokeRows(factors []pairwise.Factor, valid pairwise.Valid) []pairwise.Row {
	var rows []pairwise.Row
	for f, fac := range factors {
		for i, v := range fac.Values {
			row := make([]string, len(factors))
			row[f] = v
			for g, other := range factors {
				if g == f {
					continue
				}
				for j := range other.Values {
					row[g] = other.Values[(i+j)%len(other.Values)]
					if valid(row) {
						break
					}
				}
			}
			if valid(row) {
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// baseRow is a modern, common choice used where one class varies alone.
func baseRow(kexes, ciphers, macs, hks []string) [4]string {
	pick := func(l []string, prefs ...string) string {
		for _, p := range prefs {
			if slices.Contains(l, p) {
				return p
			}
		}
		return l[0]
	}
	c := pick(ciphers, "aes128-ctr", "aes256-ctr", "chacha20-poly1305@openssh.com")
	m := implicitMAC
	if !sshlib.CipherIsAEAD(c) && len(macs) > 0 {
		m = pick(macs, "hmac-sha2-256", "hmac-sha2-256-etm@openssh.com")
	}
	return [4]string{pick(kexes, "curve25519-sha256", "ecdh-sha2-nistp256"), c, m, pick(hks, "ssh-ed25519", "ecdsa-sha2-nistp256")}
}

// negativeCells: for each class, sshlib offers only a name the server
// lacks; each must fail with sshlib's typed negotiation error naming the
// class. A name the server does not offer at all is preferred; on a server
// restricted per connection, any name other than the restriction will do.
func negativeCells(r *running, base [4]string) []*Cell {
	var out []*Cell
	positive := map[string]string{sshlib.ClassKex: base[0], sshlib.ClassCipher: base[1], sshlib.ClassMAC: base[2], sshlib.ClassHostKey: base[3]}
	for _, class := range []string{sshlib.ClassKex, sshlib.ClassCipher, sshlib.ClassMAC, sshlib.ClassHostKey} {
		if class == sshlib.ClassMAC && base[2] == implicitMAC {
			continue // an AEAD base cipher takes no MAC: nothing to fail
		}
		var offer string
		for _, n := range sshlib.SupportedNames(class) {
			if !slices.Contains(r.offer[class], n) {
				offer = n
				break
			}
		}
		if offer == "" && r.restricts {
			for _, n := range sshlib.SupportedNames(class) {
				if n != positive[class] {
					offer = n
					break
				}
			}
		}
		if offer == "" {
			continue // the server offers everything sshlib has and cannot be restricted
		}
		mac := base[2]
		if mac == implicitMAC {
			mac = ""
		}
		c := &Cell{
			ID:     fmt.Sprintf("%s/negative/%s=%s", r.ID, class, offer),
			Server: r.ID, Kex: base[0], Cipher: base[1], MAC: mac, HostKey: base[3],
			NegClass: class, NegOffer: offer, Why: "negative: no common " + class,
		}
		out = append(out, c)
	}
	return out
}

// Shard keeps the cells of shard k of n (1-based), by a hash of the cell id
// so shards are stable as cells come and go.
func Shard(cells []*Cell, k, n int) []*Cell {
	if n <= 1 {
		return cells
	}
	var out []*Cell
	for _, c := range cells {
		if int(idHash(c.ID)%uint32(n)) == k-1 {
			out = append(out, c)
		}
	}
	return out
}

// ParseShard parses "k/n".
func ParseShard(s string) (k, n int, err error) {
	if s == "" {
		return 1, 1, nil
	}
	if _, err := fmt.Sscanf(s, "%d/%d", &k, &n); err != nil || n < 1 || k < 1 || k > n || fmt.Sprintf("%d/%d", k, n) != strings.TrimSpace(s) {
		return 0, 0, fmt.Errorf("matrix: bad shard %q: want k/n with 1 <= k <= n, e.g. 2/4", s)
	}
	return k, n, nil
}

// sortCells orders cells by id (reports and runs are deterministic).
func sortCells(cells []*Cell) {
	sort.Slice(cells, func(i, j int) bool { return cells[i].ID < cells[j].ID })
}
