package numbermap

// countries lists, three bytes apiece, the regions telephone numbers
// belong to: the ISO 3166-1 alpha-2 codes of countries and territories
// with numbers, and AC (Ascension), TA (Tristan da Cunha) and XK
// (Kosovo), as github.com/nyaruka/phonenumbers v1.8.1 (the plan package
// numberplan reads) lists them. Package numberplan's tests check that
// the two agree.
const countries = "" +
	"AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE " +
	"BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ CA CC CD CF " +
	"CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO " +
	"DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG " +
	"GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL " +
	"IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW " +
	"KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH " +
	"MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF " +
	"NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT " +
	"PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM " +
	"SN SO SR SS ST SV SX SY SZ TA TC TD TG TH TJ TK TL TM TN TO " +
	"TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK " +
	"YE YT ZA ZM ZW "

// KnownCountry reports whether code names a region telephone numbers
// belong to: an upper-case ISO 3166-1 alpha-2 code such as "US" or "GB"
// (or AC, TA, XK). [Owned.Country] and [ClaimRequest.Country] take these
// codes; a claim for any other can never be met.
func KnownCountry(code string) bool {
	if len(code) != 2 {
		return false
	}
	for i := 0; i+2 <= len(countries); i += 3 {
		if countries[i:i+2] == code {
			return true
		}
	}
	return false
}

// Countries returns every code [KnownCountry] accepts, in order.
func Countries() []string {
	out := make([]string, 0, len(countries)/3)
	for i := 0; i+2 <= len(countries); i += 3 {
		out = append(out, countries[i:i+2])
	}
	return out
}
