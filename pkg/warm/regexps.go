package warm

import "regexp"

// Compiled once: these are constants in all but type, never modified.
var (
	mobileRE     = regexp.MustCompile(`(?:phone|windows\s+phone|ipod|blackberry|(?:android|bb\d+|meego|silk|googlebot) .+? mobile|palm|windows\s+ce|opera mini|avantgo|mobilesafari|docomo|kaios)`)
	tabletStemRE = regexp.MustCompile(`(?:android|bb\d+|meego|silk)`)
	paginationRE = regexp.MustCompile(`/page/\d+/?$`)
)
