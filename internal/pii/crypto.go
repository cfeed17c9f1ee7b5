package pii

import (
	"crypto/sha256"
	"strings"
)

// cryptoWalletDetector finds Bitcoin addresses: bech32 and bech32m "bc1"
// addresses with a valid BCH checksum (BIP 173, BIP 350), and base58check
// P2PKH ("1...") and P2SH ("3...") addresses whose double SHA-256 checksum
// matches.
type cryptoWalletDetector struct{}

func (cryptoWalletDetector) Name() string { return "crypto_wallet" }

func (cryptoWalletDetector) Type() string { return "CRYPTO_WALLET" }

func (cryptoWalletDetector) Trigger() Trigger {
	return Trigger{Prefixes: walletPrefixes}
}

// walletPrefixes are "bc1" and the starts of base58 addresses: '1' or '3', a
// base58 character, then a digit or a letter. Base58 addresses are 26 to 35
// characters, so the scanner need not call the detector at every digit.
var walletPrefixes = func() []string {
	prefixes := []string{"bc1"}
	for _, first := range "13" {
		for _, second := range base58Alphabet {
			prefixes = append(prefixes, string(first)+string(second)+"#", string(first)+string(second)+"a")
		}
	}
	return prefixes
}()

func (cryptoWalletDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	switch s[i] {
	case 'b':
		return detectBech32(s, i)
	case '1', '3':
		return detectBase58Check(s, i)
	}
	return 0, 0, false
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func detectBech32(s string, i int) (int, int, bool) {
	if !strings.HasPrefix(s[i:], "bc1") {
		return 0, 0, false
	}
	end := i + 3
	for end < len(s) && strings.IndexByte(bech32Charset, s[end]) >= 0 {
		end++
	}
	n := end - (i + 3)
	if n < 8+6 || n > 87 || !boundaryAfter(s, end) {
		return 0, 0, false
	}

	// BCH checksum over the expanded human-readable part "bc" and the data.
	generator := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v uint32) {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ v
		for j := 0; j < 5; j++ {
			if (top>>j)&1 == 1 {
				chk ^= generator[j]
			}
		}
	}
	step(uint32('b') >> 5)
	step(uint32('c') >> 5)
	step(0)
	step(uint32('b') & 31)
	step(uint32('c') & 31)
	for p := i + 3; p < end; p++ {
		step(uint32(strings.IndexByte(bech32Charset, s[p])))
	}
	if chk != 1 && chk != 0x2bc830a3 {
		return 0, 0, false
	}
	return i, end, true
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Index maps a byte to its value in base58Alphabet, or -1.
var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

func detectBase58Check(s string, i int) (int, int, bool) {
	end := i
	for end < len(s) && end-i <= 35 && base58Index[s[end]] >= 0 {
		end++
	}
	if end-i < 26 || end-i > 35 || !boundaryAfter(s, end) {
		return 0, 0, false
	}

	var decoded [25]byte
	for p := i; p < end; p++ {
		carry := int(base58Index[s[p]])
		for j := len(decoded) - 1; j >= 0; j-- {
			carry += 58 * int(decoded[j])
			decoded[j] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return 0, 0, false
		}
	}
	if decoded[0] != 0x00 && decoded[0] != 0x05 {
		return 0, 0, false
	}
	if (s[i] == '1') != (decoded[0] == 0x00) {
		return 0, 0, false
	}
	first := sha256.Sum256(decoded[:21])
	second := sha256.Sum256(first[:])
	if [4]byte(second[:4]) != [4]byte(decoded[21:]) {
		return 0, 0, false
	}
	return i, end, true
}
