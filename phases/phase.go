package phases

// Phase is a request phase (or a Lua context outside requests), in nginx order.
type Phase uint8

// The phases, in the order nginx runs them, followed by the Lua-only contexts.
const (
	PostRead Phase = iota
	ServerRewrite
	FindConfig
	Rewrite
	PostRewrite
	Preaccess
	Access
	PostAccess
	Precontent
	Content
	HeaderFilter
	BodyFilter
	Log
	// Lua contexts that are not request phases.
	Init
	InitWorker
	ExitWorker
	Set
	Timer
	Balancer
	NumPhases
)

var phaseNames = [...]string{
	PostRead:      "post_read",
	ServerRewrite: "server_rewrite",
	FindConfig:    "find_config",
	Rewrite:       "rewrite",
	PostRewrite:   "post_rewrite",
	Preaccess:     "preaccess",
	Access:        "access",
	PostAccess:    "post_access",
	Precontent:    "precontent",
	Content:       "content",
	HeaderFilter:  "header_filter",
	BodyFilter:    "body_filter",
	Log:           "log",
	Init:          "init",
	InitWorker:    "init_worker",
	ExitWorker:    "exit_worker",
	Set:           "set",
	Timer:         "timer",
	Balancer:      "balancer",
}

// String returns the name ngx.get_phase() reports for p.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "unknown"
}

// Context returns the directive-style name OpenResty uses in
// "API disabled in the context of ..." messages, e.g. "header_filter_by_lua*".
func (p Phase) Context() string {
	switch p {
	case Timer:
		return "ngx.timer"
	}
	return p.String() + "_by_lua*"
}

// Mask is a set of phases.
type Mask uint32

// Bit returns the mask holding only p.
func (p Phase) Bit() Mask { return 1 << p }

// Has reports whether m contains p.
func (m Mask) Has(p Phase) bool { return m&(1<<p) != 0 }

// Masks used by API availability tables.
const (
	ReqPhases Mask = 1<<ServerRewrite | 1<<Rewrite | 1<<Access | 1<<Content |
		1<<HeaderFilter | 1<<BodyFilter | 1<<Log | 1<<Set
	YieldPhases Mask = 1<<ServerRewrite | 1<<Rewrite | 1<<Access | 1<<Content | 1<<Timer
	AllPhases   Mask = 1<<NumPhases - 1
)
