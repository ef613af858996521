# jflat.awk - a strict JSON reader in awk: prints one line per scalar, "PATH<TAB>TYPE<TAB>VALUE", and exits 1 on bad JSON.
# PATH joins object keys and array indices (from 0) with dots, e.g. pervm.tiny.results.3.kernel_bytes_per_vm; TYPE is
# n (number), s (string: VALUE with its escapes kept as written), b (true/false) or z (null). Empty objects and arrays
# print "PATH<TAB>o<TAB>{}" / "PATH<TAB>a<TAB>[]". One JSON value per input, nothing after it but white space.
#   awk -f bench/jflat.awk FILE       (POSIX awk: mawk and gawk both do; no python, no jq on a fresh machine)
{ buf = buf $0 "\n" }

function err(msg) {
	printf "jflat: %s: %s at byte %d\n", FILENAME, msg, pos > "/dev/stderr"
	bad = 1
	exit 1
}

function ws(   c) {
	while (pos <= n) {
		c = substr(buf, pos, 1)
		if (c != " " && c != "\t" && c != "\n" && c != "\r")
			return
		pos++
	}
}

function join(p, k) { return p == "" ? k : p "." k }

# A string at pos (the opening quote); returns its contents as written (escapes kept) and moves pos past it.
function str(   s, c, e) {
	pos++
	s = ""
	while (pos <= n) {
		c = substr(buf, pos, 1)
		if (c == "\"") {
			pos++
			return s
		}
		if (c == "\\") {
			e = substr(buf, pos + 1, 1)
			if (index("\"\\/bfnrtu", e) == 0)
				err("bad escape \\" e)
			s = s c e
			pos += 2
			continue
		}
		if (c < " ")
			err("control character in a string")
		s = s c
		pos++
	}
	err("unterminated string")
}

function num(path,   m) {
	m = substr(buf, pos, 64)
	if (!match(m, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/))
		err("bad number")
	printf "%s\tn\t%s\n", path, substr(m, 1, RLENGTH)
	pos += RLENGTH
}

function lit(path, word, type) {
	if (substr(buf, pos, length(word)) != word)
		err("bad literal")
	printf "%s\t%s\t%s\n", path, type, word
	pos += length(word)
}

function value(path, depth,   c, k, i) {
	if (depth > 64)
		err("nested too deep")
	ws()
	if (pos > n)
		err("value expected")
	c = substr(buf, pos, 1)
	if (c == "{") {
		pos++
		ws()
		if (substr(buf, pos, 1) == "}") {
			pos++
			printf "%s\to\t{}\n", path
			return
		}
		for (;;) {
			ws()
			if (substr(buf, pos, 1) != "\"")
				err("key expected")
			k = str()
			ws()
			if (substr(buf, pos, 1) != ":")
				err("':' expected")
			pos++
			value(join(path, k), depth + 1)
			ws()
			c = substr(buf, pos, 1)
			pos++
			if (c == "}")
				return
			if (c != ",")
				err("',' or '}' expected")
		}
	}
	if (c == "[") {
		pos++
		ws()
		if (substr(buf, pos, 1) == "]") {
			pos++
			printf "%s\ta\t[]\n", path
			return
		}
		for (i = 0; ; i++) {
			value(join(path, i), depth + 1)
			ws()
			c = substr(buf, pos, 1)
			pos++
			if (c == "]")
				return
			if (c != ",")
				err("',' or ']' expected")
		}
	}
	if (c == "\"") {
		k = str()
		printf "%s\ts\t%s\n", path, k
		return
	}
	if (c == "t")
		return lit(path, "true", "b")
	if (c == "f")
		return lit(path, "false", "b")
	if (c == "n")
		return lit(path, "null", "z")
	num(path)
}

END {
	if (bad)
		exit 1
	n = length(buf)
	pos = 1
	value("", 0)
	ws()
	if (pos <= n)
		err("text after the value")
}
