// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Changed for smcdump: see the package comment (doc.go).

package bzip2

import (
	"cmp"
	"slices"
)

// A huffmanTree is a binary tree which is navigated, bit-by-bit to reach a
// symbol.
type huffmanTree struct {
	// nodes contains all the non-leaf nodes in the tree. nodes[0] is the
	// root of the tree and nextNode contains the index of the next element
	// of nodes to use when the tree is being constructed.
	nodes    []huffmanNode
	nextNode int

	lut [1 << lutBits]uint32 // fillTable
}

// A huffmanNode is a node in the tree. left and right contain indexes into the
// nodes slice of the tree. If left or right is invalidNodeValue then the child
// is a left node and its value is in leftValue/rightValue.
//
// The symbols are uint16s because bzip2 encodes not only MTF indexes in the
// tree, but also two magic values for run-length encoding and an EOF symbol.
// Thus there are more than 256 possible symbols.
type huffmanNode struct {
	left, right           uint16
	leftValue, rightValue uint16
}

// invalidNodeValue is an invalid index which marks a leaf node in the tree.
const invalidNodeValue = 0xffff

// Decode reads bits from the given bitReader and navigates the tree until a
// symbol is found.
func (t *huffmanTree) Decode(br *bitReader) (v uint16) {
	return t.decodeFrom(br, 0) // node 0 is the root of the tree.
}

// decodeFrom is Decode from a node of the tree.
func (t *huffmanTree) decodeFrom(br *bitReader, nodeIndex uint16) (v uint16) {

	for {
		node := &t.nodes[nodeIndex]

		var bit uint16
		if br.bits > 0 {
			// Get next bit - fast path.
			br.bits--
			bit = uint16(br.n>>(br.bits&63)) & 1
		} else {
			// Get next bit - slow path.
			// Use ReadBits to retrieve a single bit
			// from the underling io.ByteReader.
			bit = uint16(br.ReadBits(1))
		}

		// Trick a compiler into generating conditional move instead of branch,
		// by making both loads unconditional.
		l, r := node.left, node.right

		if bit == 1 {
			nodeIndex = l
		} else {
			nodeIndex = r
		}

		if nodeIndex == invalidNodeValue {
			// We found a leaf. Use the value of bit to decide
			// whether is a left or a right value.
			l, r := node.leftValue, node.rightValue
			if bit == 1 {
				v = l
			} else {
				v = r
			}
			return
		}
	}
}

// build builds t, a Huffman tree, from a slice containing the code
// lengths of each symbol, as the standard library's newHuffmanTree does,
// with the storage of t and of s, and then t's lookup table. The maximum
// code length is 32 bits.
func (t *huffmanTree) build(lengths []uint8, s *treeScratch) error {
	// There are many possible trees that assign the same code length to
	// each symbol (consider reflecting a tree down the middle, for
	// example). Since the code length assignments determine the
	// efficiency of the tree, each of these trees is equally good. In
	// order to minimize the amount of information needed to build a tree
	// bzip2 uses a canonical tree so that it can be reconstructed given
	// only the code length assignments.

	if len(lengths) < 2 {
		panic("newHuffmanTree: too few symbols")
	}

	// First we sort the code length assignments by ascending code length,
	// using the symbol value to break ties. (smcdump: a counting sort;
	// the order is total, so the result is the same.)
	pairs := s.pairs[:len(lengths)]
	var start [257]int
	for _, length := range lengths {
		start[int(length)+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	for i, length := range lengths {
		j := start[length]
		start[length]++
		pairs[j].value = uint16(i)
		pairs[j].length = length
	}

	// Now we assign codes to the symbols, starting with the longest code.
	// We keep the codes packed into a uint32, at the most-significant end.
	// So branches are taken from the MSB downwards. This makes it easy to
	// sort them later.
	code := uint32(0)
	length := uint8(32)

	codes := s.codes[:len(lengths)]
	descending := true
	for i := len(pairs) - 1; i >= 0; i-- {
		if length > pairs[i].length {
			length = pairs[i].length
		}
		codes[i].code = code
		codes[i].codeLen = length
		codes[i].value = pairs[i].value
		if i < len(pairs)-1 && code <= codes[i+1].code {
			descending = false
		}
		// We need to 'increment' the code, which means treating |code|
		// like a |length| bit number.
		code += 1 << (32 - length)
	}

	// Now we can sort by the code so that the left half of each branch are
	// grouped together, recursively. (smcdump: codes assigned without
	// wrapping round are strictly descending, and their sorted order is
	// the reverse.)
	if descending {
		slices.Reverse(codes)
	} else {
		slices.SortFunc(codes, func(a, b huffmanCode) int {
			return cmp.Compare(a.code, b.code)
		})
	}

	if cap(t.nodes) < len(codes) {
		t.nodes = make([]huffmanNode, len(codes))
	} else {
		t.nodes = t.nodes[:len(codes)]
		clear(t.nodes)
	}
	t.nextNode = 0
	_, err := buildHuffmanNode(t, codes, 0)
	if err == nil {
		t.fillTable(0, 0, 0)
	}
	return err
}

// treeScratch is build's storage.
type treeScratch struct {
	pairs [maxSymbols]huffmanSymbolLengthPair
	codes [maxSymbols]huffmanCode
}

// maxSymbols is the largest alphabet of a block: 256 byte values, RUNA,
// RUNB and the end of the block.
const maxSymbols = 258

// lutBits is the number of bits the lookup table decodes at once.
const lutBits = 10

// fillTable fills t.lut for the codes that begin with the depth bits of
// prefix, which lead from the root to node: a leaf reached within lutBits
// bits gives its value and depth (above 16 bits), else the entry names
// the node reached after lutBits bits (depth 0).
func (t *huffmanTree) fillTable(node uint16, depth uint, prefix uint32) {
	if depth == lutBits {
		t.lut[prefix] = uint32(node)
		return
	}
	nd := &t.nodes[node]
	for bit := uint32(0); bit < 2; bit++ {
		// As Decode walks: a 1 bit goes left, a 0 bit right.
		child, value := nd.right, nd.rightValue
		if bit == 1 {
			child, value = nd.left, nd.leftValue
		}
		p := prefix<<1 | bit
		if child != invalidNodeValue {
			t.fillTable(child, depth+1, p)
			continue
		}
		shift := lutBits - (depth + 1)
		e := uint32(value) | uint32(depth+1)<<16
		lo := p << shift
		for i := lo; i < lo+1<<shift; i++ {
			t.lut[i] = e
		}
	}
}

// decode returns the next symbol, as Decode does: from the lookup table
// when the reader holds lutBits bits or can take them from its buffer.
func (t *huffmanTree) decode(br *bitReader) uint16 {
	if br.bits < lutBits {
		br.refill()
		if br.bits < lutBits {
			return t.Decode(br)
		}
	}
	e := t.lut[(br.n>>(br.bits-lutBits))&(1<<lutBits-1)]
	if l := uint(e >> 16); l != 0 {
		br.bits -= l
		return uint16(e)
	}
	br.bits -= lutBits
	return t.decodeFrom(br, uint16(e))
}

// huffmanSymbolLengthPair contains a symbol and its code length.
type huffmanSymbolLengthPair struct {
	value  uint16
	length uint8
}

// huffmanCode contains a symbol, its code and code length.
type huffmanCode struct {
	code    uint32
	codeLen uint8
	value   uint16
}

// buildHuffmanNode takes a slice of sorted huffmanCodes and builds a node in
// the Huffman tree at the given level. It returns the index of the newly
// constructed node.
func buildHuffmanNode(t *huffmanTree, codes []huffmanCode, level uint32) (nodeIndex uint16, err error) {
	test := uint32(1) << (31 - level)

	// We have to search the list of codes to find the divide between the left and right sides.
	firstRightIndex := len(codes)
	for i, code := range codes {
		if code.code&test != 0 {
			firstRightIndex = i
			break
		}
	}

	left := codes[:firstRightIndex]
	right := codes[firstRightIndex:]

	if len(left) == 0 || len(right) == 0 {
		// There is a superfluous level in the Huffman tree indicating
		// a bug in the encoder. However, this bug has been observed in
		// the wild so we handle it.

		// If this function was called recursively then we know that
		// len(codes) >= 2 because, otherwise, we would have hit the
		// "leaf node" case, below, and not recurred.
		//
		// However, for the initial call it's possible that len(codes)
		// is zero or one. Both cases are invalid because a zero length
		// tree cannot encode anything and a length-1 tree can only
		// encode EOF and so is superfluous. We reject both.
		if len(codes) < 2 {
			return 0, StructuralError("empty Huffman tree")
		}

		// In this case the recursion doesn't always reduce the length
		// of codes so we need to ensure termination via another
		// mechanism.
		if level == 31 {
			// Since len(codes) >= 2 the only way that the values
			// can match at all 32 bits is if they are equal, which
			// is invalid. This ensures that we never enter
			// infinite recursion.
			return 0, StructuralError("equal symbols in Huffman tree")
		}

		if len(left) == 0 {
			return buildHuffmanNode(t, right, level+1)
		}
		return buildHuffmanNode(t, left, level+1)
	}

	nodeIndex = uint16(t.nextNode)
	node := &t.nodes[t.nextNode]
	t.nextNode++

	if len(left) == 1 {
		// leaf node
		node.left = invalidNodeValue
		node.leftValue = left[0].value
	} else {
		node.left, err = buildHuffmanNode(t, left, level+1)
	}

	if err != nil {
		return
	}

	if len(right) == 1 {
		// leaf node
		node.right = invalidNodeValue
		node.rightValue = right[0].value
	} else {
		node.right, err = buildHuffmanNode(t, right, level+1)
	}

	return
}
