# common.gp - shared by the bench plots: PNG terminal (pngcairo, else png), grid, key; expects out (the PNG path).
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 960,600 noenhanced font ",10"
} else {
	set terminal png size 960,600 noenhanced
}
set output out
set grid
set key outside right top
set datafile missing "NaN"
