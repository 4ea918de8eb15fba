package numbermap

// callingCodes holds the country calling codes of E.164, indexed by their
// value: the codes ITU-T has assigned to countries, to groups of them and
// to global services, as github.com/nyaruka/phonenumbers v1.8.1 (the plan
// package numberplan reads) lists them. Package numberplan's tests check
// that the two agree, code for code, so every number numberplan accepts is
// [Number.Valid]. Left out are codes assigned to no working numbers: spare
// codes (+28, +42...), +388 and +991, which ITU-T has withdrawn or never
// put in service.
//
// No code is a prefix of another (E.164 requires it, and a test checks
// it), and none starts with 0, so a code's value says how long it is:
// 1 to 9 one digit, 10 to 99 two, 100 to 999 three. The table is static
// data: it costs no initialisation.
var callingCodes = [1000]bool{
	// 1: the North American Numbering Plan
	1: true,
	// 2: Africa and islands of the Atlantic and Indian Oceans
	20: true, 211: true, 212: true, 213: true, 216: true, 218: true, 220: true, 221: true, 222: true,
	223: true, 224: true, 225: true, 226: true, 227: true, 228: true, 229: true, 230: true, 231: true,
	232: true, 233: true, 234: true, 235: true, 236: true, 237: true, 238: true, 239: true, 240: true,
	241: true, 242: true, 243: true, 244: true, 245: true, 246: true, 247: true, 248: true, 249: true,
	250: true, 251: true, 252: true, 253: true, 254: true, 255: true, 256: true, 257: true, 258: true,
	260: true, 261: true, 262: true, 263: true, 264: true, 265: true, 266: true, 267: true, 268: true,
	269: true, 27: true, 290: true, 291: true, 297: true, 298: true, 299: true,
	// 3 and 4: Europe
	30: true, 31: true, 32: true, 33: true, 34: true, 350: true, 351: true, 352: true, 353: true,
	354: true, 355: true, 356: true, 357: true, 358: true, 359: true, 36: true, 370: true, 371: true,
	372: true, 373: true, 374: true, 375: true, 376: true, 377: true, 378: true, 380: true, 381: true,
	382: true, 383: true, 385: true, 386: true, 387: true, 389: true, 39: true, 40: true, 41: true,
	420: true, 421: true, 423: true, 43: true, 44: true, 45: true, 46: true, 47: true, 48: true,
	49: true,
	// 5: Mexico, Central and South America, the Caribbean outside the NANP
	500: true, 501: true, 502: true, 503: true, 504: true, 505: true, 506: true, 507: true, 508: true,
	509: true, 51: true, 52: true, 53: true, 54: true, 55: true, 56: true, 57: true, 58: true,
	590: true, 591: true, 592: true, 593: true, 594: true, 595: true, 596: true, 597: true, 598: true,
	599: true,
	// 6: South-east Asia and Oceania
	60: true, 61: true, 62: true, 63: true, 64: true, 65: true, 66: true, 670: true, 672: true,
	673: true, 674: true, 675: true, 676: true, 677: true, 678: true, 679: true, 680: true, 681: true,
	682: true, 683: true, 685: true, 686: true, 687: true, 688: true, 689: true, 690: true, 691: true,
	692: true,
	// 7: Russia and Kazakhstan
	7: true,
	// 8: East Asia, and global services (800, 808, 870, 878, 881, 882, 883, 888)
	800: true, 808: true, 81: true, 82: true, 84: true, 850: true, 852: true, 853: true, 855: true,
	856: true, 86: true, 870: true, 878: true, 880: true, 881: true, 882: true, 883: true, 886: true,
	888: true,
	// 9: West, Central and South Asia, and a global service (979)
	90: true, 91: true, 92: true, 93: true, 94: true, 95: true, 960: true, 961: true, 962: true,
	963: true, 964: true, 965: true, 966: true, 967: true, 968: true, 970: true, 971: true, 972: true,
	973: true, 974: true, 975: true, 976: true, 977: true, 979: true, 98: true, 992: true, 993: true,
	994: true, 995: true, 996: true, 998: true,
}

// callingCodeLen returns how many of the leading digits of d, ASCII
// digits, are its country calling code, or 0 if they start none.
func callingCodeLen(d string) int {
	if d == "" || d[0] < '1' || d[0] > '9' {
		return 0
	}
	c := 0
	for l := 1; l <= 3 && l <= len(d); l++ {
		c = c*10 + int(d[l-1]-'0')
		if callingCodes[c] {
			return l
		}
	}
	return 0
}
