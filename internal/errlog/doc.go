// Package errlog is goresty's error log: nginx's line shape, nginx's levels,
// several sinks (files or stderr) each with its own level, and reopening on
// USR1. Lines go through zap (a zapcore.Core per sink with an encoder that
// writes nginx's format).
package errlog
