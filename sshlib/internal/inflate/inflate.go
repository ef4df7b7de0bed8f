// Package inflate is a resumable zlib (RFC 1950) / DEFLATE (RFC 1951)
// decoder for SSH compression (RFC 4253 §6.2).
//
// SSH compresses each direction as one zlib stream and cuts it into packets
// at flush points. OpenSSH flushes with Z_PARTIAL_FLUSH, which ends the
// current block and adds an empty fixed-Huffman block but does not pad to a
// byte, so a packet can end in the middle of a symbol. The receiver must
// still hand over, for every packet, all bytes decodable so far.
// compress/flate releases output only at stored blocks, the final block or a
// full window, so it cannot do that; this decoder can: it decodes unit by
// unit (one symbol, one block header, one stored length field, one run of
// stored bytes), commits its bit position after each complete unit, and
// when the input runs out rolls back to the last commit and keeps the rest,
// bit-exact, for the next call.
package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
)

// Sentinels wrapped by every *Error.
var (
	// ErrCorrupt: the input is not a valid DEFLATE stream.
	ErrCorrupt = errors.New("sshlib: inflate: corrupt data")
	// ErrTooLarge: one call would produce more than its limit.
	ErrTooLarge = errors.New("sshlib: inflate: output exceeds limit")
	// ErrHeader: the zlib header is invalid or asks for a preset dictionary.
	ErrHeader = errors.New("sshlib: inflate: bad zlib header")
)

// Error says what went wrong and where: Offset is the position in the
// compressed stream (bytes from its start) of the unit that failed.
type Error struct {
	Offset int64
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v (at compressed byte %d)", e.Err, e.Offset)
}

func (e *Error) Unwrap() error { return e.Err }

const (
	windowSize = 32768 // RFC 1951 §2: distances reach back at most 32768 bytes
	maxMatch   = 258   // §3.2.5: longest match
	maxLitSyms = 288   // §3.2.6: literal/length alphabet incl. 2 unused codes
	maxNumLit  = 286   // HLIT may describe at most these (§3.2.7)
	maxNumDist = 30    // HDIST likewise; 30 and 31 never occur in data
	// A symbol needs at most 15+5 (length) + 15+13 (distance) bits.
	maxSymbolBits = 48
)

// Stream positions between units.
const (
	stZlibHeader = iota
	stBlockHeader
	stStored
	stHuffman
	stTrailer
	stDone
)

// errShort is internal: the unit being decoded is not complete in the input.
var errShort = errors.New("short input")

// bitReader is the decoding position: pos is the next byte of the current
// input not yet in bits; bits holds nbits stream bits, first bit lowest
// (§3.1.1: data elements are packed starting with the least significant
// bit of each byte). Bits above nbits are zero.
type bitReader struct {
	bits  uint64
	nbits uint
	pos   int
}

// fill loads input bytes until at least 56 bits are held or the input ends.
func (b *bitReader) fill(in []byte) {
	if b.nbits >= 56 {
		return
	}
	if b.pos+8 <= len(in) {
		// Take as many whole bytes as fit below bit 64.
		k := (63 - b.nbits) >> 3
		v := binary.LittleEndian.Uint64(in[b.pos:])
		b.bits |= v << b.nbits
		b.nbits += k << 3
		b.bits &= 1<<b.nbits - 1
		b.pos += int(k)
		return
	}
	for b.nbits <= 56 && b.pos < len(in) {
		b.bits |= uint64(in[b.pos]) << b.nbits
		b.pos++
		b.nbits += 8
	}
}

// need reports whether n bits (n <= 56) are available.
func (b *bitReader) need(in []byte, n uint) bool {
	if b.nbits < n {
		b.fill(in)
	}
	return b.nbits >= n
}

// take consumes and returns n bits; need(n) must have held.
func (b *bitReader) take(n uint) uint {
	v := uint(b.bits & (1<<n - 1))
	b.bits >>= n
	b.nbits -= n
	return v
}

// Decoder inflates one zlib stream fed in arbitrary chunks. It is not safe
// for concurrent use.
type Decoder struct {
	err   error
	state int
	final bool // the current block has BFINAL set

	br   bitReader // committed position in in
	in   []byte    // input of the current call: pending bytes + chunk
	pend []byte    // undecoded input kept between calls
	base int64     // stream offset of in[0]

	storedLeft int // bytes of the current stored block not yet copied

	lit, dist *huffman
	dynLit    huffman
	dynDist   huffman
	clen      huffman
	lens      [maxNumLit + maxNumDist]uint8
	win       []byte // history: win[:wpos] is the latest output
	wpos      int
	flushed   int         // win[:flushed] has been handed out
	adler     hash.Hash32 // RFC 1950 §2.2 Adler-32 of all output handed out
	budget    int         // output bytes this call may still produce
	out       []byte      // dst of the current call
}

// NewDecoder returns a decoder expecting the zlib header first.
func NewDecoder() *Decoder {
	return &Decoder{win: make([]byte, 2*windowSize+maxMatch), adler: adler32.New()}
}

// Decompress feeds chunk and appends to dst every byte decodable from all
// input so far. A call producing more than limit bytes fails with
// ErrTooLarge, which bounds a zlib bomb. Input ending inside a unit is kept
// for the next call. On error dst is returned with the output decoded
// before it, and every later call returns the same error.
func (d *Decoder) Decompress(dst, chunk []byte, limit int) ([]byte, error) {
	if d.err != nil {
		return dst, d.err
	}
	if len(d.pend) > 0 {
		d.pend = append(d.pend, chunk...)
		d.in = d.pend
	} else {
		d.in = chunk
	}
	d.out = dst
	d.budget = max(limit, 0)
	err := d.run()
	d.flush()
	dst = d.out
	d.out = nil
	if err == errShort {
		err = nil
	}
	if err != nil {
		d.err = &Error{Offset: d.offset(), Err: err}
		d.in, d.pend = nil, nil
		return dst, d.err
	}
	// Keep what was not consumed. It is at most one unit (a dynamic block
	// header is the largest, a few hundred bytes), since stored data is
	// consumed as it arrives.
	rest := d.in[d.br.pos:]
	d.base += int64(d.br.pos)
	d.br.pos = 0
	if cap(d.pend) > 4096 && len(rest) <= 4096 {
		d.pend = nil
	}
	d.pend = append(d.pend[:0], rest...)
	d.in = nil
	return dst, nil
}

// offset is the stream position of the first byte of the committed bits.
func (d *Decoder) offset() int64 {
	return d.base + int64(d.br.pos) - int64(d.br.nbits/8)
}

// run decodes units until the input runs out or something fails.
func (d *Decoder) run() error {
	for {
		var err error
		switch d.state {
		case stZlibHeader:
			err = d.zlibHeader()
		case stBlockHeader:
			err = d.blockHeader()
		case stStored:
			err = d.stored()
		case stHuffman:
			err = d.huffmanBlock()
		case stTrailer:
			err = d.trailer()
		case stDone:
			if d.br.nbits > 0 || d.br.pos < len(d.in) {
				return fmt.Errorf("%w: data after the end of the zlib stream", ErrCorrupt)
			}
			return errShort
		}
		if err != nil {
			return err
		}
	}
}

// zlibHeader checks CMF and FLG (RFC 1950 §2.2).
func (d *Decoder) zlibHeader() error {
	br := d.br
	if !br.need(d.in, 16) {
		return errShort
	}
	cmf, flg := br.take(8), br.take(8)
	switch {
	case cmf&0x0f != 8:
		return fmt.Errorf("%w: compression method %d, want 8 (deflate)", ErrHeader, cmf&0x0f)
	case cmf>>4 > 7:
		return fmt.Errorf("%w: window size exponent %d above 7", ErrHeader, cmf>>4)
	case (cmf<<8|flg)%31 != 0:
		return fmt.Errorf("%w: FCHECK mismatch (CMF %#02x FLG %#02x)", ErrHeader, cmf, flg)
	case flg&0x20 != 0:
		// A preset dictionary is never agreed on in SSH.
		return fmt.Errorf("%w: preset dictionary (FDICT) requested", ErrHeader)
	}
	d.br = br
	d.state = stBlockHeader
	return nil
}

// blockHeader reads BFINAL, BTYPE and the rest of the block's header
// (RFC 1951 §3.2.3): a stored block's LEN/NLEN, a dynamic block's code
// descriptions. The whole header is one unit.
func (d *Decoder) blockHeader() error {
	br := d.br
	if !br.need(d.in, 3) {
		return errShort
	}
	final := br.take(1) == 1
	switch typ := br.take(2); typ {
	case 0:
		// §3.2.4: skip to the byte boundary, then LEN and its complement.
		br.take(br.nbits & 7)
		if !br.need(d.in, 32) {
			return errShort
		}
		n, nn := br.take(16), br.take(16)
		if n != ^nn&0xffff {
			return fmt.Errorf("%w: stored block LEN %#04x does not match NLEN %#04x", ErrCorrupt, n, nn)
		}
		d.storedLeft = int(n)
		d.state = stStored
	case 1:
		d.lit, d.dist = &fixedLit, &fixedDist
		d.state = stHuffman
	case 2:
		if err := d.dynamicHeader(&br); err != nil {
			return err
		}
		d.lit, d.dist = &d.dynLit, &d.dynDist
		d.state = stHuffman
	default:
		return fmt.Errorf("%w: reserved block type 3", ErrCorrupt)
	}
	d.final = final
	d.br = br
	return nil
}

// codeLengthOrder is the order of the code length code lengths (§3.2.7).
var codeLengthOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamicHeader reads the code descriptions of a dynamic block (§3.2.7)
// and builds its two decoders.
func (d *Decoder) dynamicHeader(br *bitReader) error {
	if !br.need(d.in, 14) {
		return errShort
	}
	nlit := int(br.take(5)) + 257
	ndist := int(br.take(5)) + 1
	nclen := int(br.take(4)) + 4
	if nlit > maxNumLit {
		return fmt.Errorf("%w: HLIT describes %d literal/length codes, at most %d exist", ErrCorrupt, nlit, maxNumLit)
	}
	if ndist > maxNumDist {
		return fmt.Errorf("%w: HDIST describes %d distance codes, at most %d exist", ErrCorrupt, ndist, maxNumDist)
	}
	var clens [19]uint8
	for i := 0; i < nclen; i++ {
		if !br.need(d.in, 3) {
			return errShort
		}
		clens[codeLengthOrder[i]] = uint8(br.take(3))
	}
	if err := d.clen.build("code length code", clens[:]); err != nil {
		return err
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		// 7 bits of code plus 7 of repeat count.
		br.need(d.in, 14)
		sym, n, ok := d.clen.decode(br.bits, br.nbits)
		if !ok {
			return fmt.Errorf("%w: invalid code length code", ErrCorrupt)
		}
		if n == 0 {
			return errShort
		}
		var rep int
		var val uint8
		switch {
		case sym < 16:
			br.take(n)
			lens[i] = uint8(sym)
			i++
			continue
		case sym == 16:
			if i == 0 {
				return fmt.Errorf("%w: code length repeat with no previous length", ErrCorrupt)
			}
			if br.nbits < n+2 {
				return errShort
			}
			br.take(n)
			rep, val = 3+int(br.take(2)), lens[i-1]
		case sym == 17:
			if br.nbits < n+3 {
				return errShort
			}
			br.take(n)
			rep = 3 + int(br.take(3))
		default:
			if br.nbits < n+7 {
				return errShort
			}
			br.take(n)
			rep = 11 + int(br.take(7))
		}
		if i+rep > len(lens) {
			return fmt.Errorf("%w: code length repeat runs past %d codes", ErrCorrupt, len(lens))
		}
		for ; rep > 0; rep-- {
			lens[i] = val
			i++
		}
	}
	if err := d.dynLit.build("literal/length code", lens[:nlit]); err != nil {
		return err
	}
	if err := d.dynDist.build("distance code", lens[nlit:]); err != nil {
		return err
	}
	return nil
}

// stored copies as much of the current stored block as the input holds.
func (d *Decoder) stored() error {
	for d.storedLeft > 0 {
		d.slideIfFull()
		if d.budget == 0 {
			if d.br.nbits == 0 && d.br.pos == len(d.in) {
				return errShort
			}
			return fmt.Errorf("%w: more than the limit of output in one call", ErrTooLarge)
		}
		room := min(d.storedLeft, len(d.win)-d.wpos, d.budget)
		// The header left whole bytes in the bit buffer; they come first.
		if d.br.nbits > 0 {
			d.win[d.wpos] = byte(d.br.take(8))
			d.wpos++
			d.storedLeft--
			d.budget--
			continue
		}
		n := copy(d.win[d.wpos:d.wpos+room], d.in[d.br.pos:])
		if n == 0 {
			return errShort
		}
		d.br.pos += n
		d.wpos += n
		d.storedLeft -= n
		d.budget -= n
	}
	d.endBlock()
	return nil
}

func (d *Decoder) endBlock() {
	if d.final {
		d.state = stTrailer
	} else {
		d.state = stBlockHeader
	}
}

// trailer checks the Adler-32 of the output (RFC 1950 §2.2), which starts
// at the next byte boundary after the final block.
func (d *Decoder) trailer() error {
	br := d.br
	br.take(br.nbits & 7)
	if !br.need(d.in, 32) {
		return errShort
	}
	var sum uint32
	for range 4 {
		sum = sum<<8 | uint32(br.take(8))
	}
	d.flush()
	if got := d.adler.Sum32(); sum != got {
		return fmt.Errorf("%w: Adler-32 of the output is %#08x, trailer says %#08x", ErrCorrupt, got, sum)
	}
	d.br = br
	d.state = stDone
	return nil
}

// flush appends the output not yet handed out to the caller's buffer.
func (d *Decoder) flush() {
	p := d.win[d.flushed:d.wpos]
	if len(p) == 0 {
		return
	}
	d.out = append(d.out, p...)
	d.adler.Write(p)
	d.flushed = d.wpos
}

// slideIfFull makes room for at least one match: once the history holds two
// windows, hand out what is new and keep only the last window.
func (d *Decoder) slideIfFull() {
	if d.wpos < 2*windowSize {
		return
	}
	d.flush()
	copy(d.win, d.win[d.wpos-windowSize:d.wpos])
	d.wpos = windowSize
	d.flushed = windowSize
}

// Length and distance bases and extra bits (RFC 1951 §3.2.5), indexed by
// symbol-257 and by distance code.
var (
	lengthBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
		35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
		3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
		257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
		7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// The fixed codes of §3.2.6. The distance code has 32 five-bit codes of
// which 30 and 31 are invalid in data; they are in the table so that it is
// complete, and rejected when decoded.
var fixedLit, fixedDist huffman

func init() {
	var l [maxLitSyms]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	if err := fixedLit.build("fixed literal/length code", l[:]); err != nil {
		panic(err)
	}
	var dl [32]uint8
	for i := range dl {
		dl[i] = 5
	}
	if err := fixedDist.build("fixed distance code", dl[:]); err != nil {
		panic(err)
	}
}

// huffmanBlock decodes symbols of a fixed or dynamic block (§3.2.5) until
// the end of block or of input. The position is committed after every
// symbol, and a symbol's output is written only once all its bits are
// present, so running out of input loses nothing.
func (d *Decoder) huffmanBlock() error {
	in, win := d.in, d.win
	lit, dist := d.lit, d.dist
	br, wpos, budget := d.br, d.wpos, d.budget
	for {
		// Commit the previous symbol.
		d.br, d.wpos, d.budget = br, wpos, budget
		if wpos >= 2*windowSize {
			d.slideIfFull()
			wpos = d.wpos
		}
		if br.nbits < maxSymbolBits {
			br.fill(in)
		}
		sym, n, ok := lit.decode(br.bits, br.nbits)
		if !ok {
			return fmt.Errorf("%w: invalid literal/length code", ErrCorrupt)
		}
		if n == 0 {
			return errShort
		}
		if sym < 256 {
			if budget == 0 {
				return fmt.Errorf("%w: more than the limit of output in one call", ErrTooLarge)
			}
			br.bits >>= n
			br.nbits -= n
			win[wpos] = byte(sym)
			wpos++
			budget--
			continue
		}
		if sym == 256 {
			br.bits >>= n
			br.nbits -= n
			d.br = br
			d.endBlock()
			return nil
		}
		sym -= 257
		if sym >= 29 {
			return fmt.Errorf("%w: invalid length code %d", ErrCorrupt, sym+257)
		}
		// Length: the code, then its extra bits.
		eb := uint(lengthExtra[sym])
		if br.nbits < n+eb {
			return errShort
		}
		br.bits >>= n
		br.nbits -= n
		length := int(lengthBase[sym]) + int(br.bits&(1<<eb-1))
		br.bits >>= eb
		br.nbits -= eb
		// Distance: the code, then its extra bits.
		dsym, dn, ok := dist.decode(br.bits, br.nbits)
		if !ok {
			return fmt.Errorf("%w: invalid distance code", ErrCorrupt)
		}
		if dn == 0 {
			return errShort
		}
		if dsym >= 30 {
			return fmt.Errorf("%w: invalid distance code %d", ErrCorrupt, dsym)
		}
		eb = uint(distExtra[dsym])
		if br.nbits < dn+eb {
			return errShort
		}
		br.bits >>= dn
		br.nbits -= dn
		distance := int(distBase[dsym]) + int(br.bits&(1<<eb-1))
		br.bits >>= eb
		br.nbits -= eb
		// win[:wpos] is all the history there is (a slide keeps a whole
		// window before wpos); reaching further back is corrupt.
		if distance > wpos {
			return fmt.Errorf("%w: distance %d reaches before the start of the output (%d bytes)", ErrCorrupt, distance, wpos)
		}
		if length > budget {
			return fmt.Errorf("%w: more than the limit of output in one call", ErrTooLarge)
		}
		// §3.2.3: the copy may overlap its own output (distance < length)
		// and then repeats the last distance bytes. After the first
		// period is copied, the output so far is a whole number of
		// periods, so it can be copied forward doubling each time.
		src := wpos - distance
		done := copy(win[wpos:wpos+min(distance, length)], win[src:wpos])
		for done < length {
			done += copy(win[wpos+done:wpos+length], win[wpos:wpos+done])
		}
		wpos += length
		budget -= length
	}
}
