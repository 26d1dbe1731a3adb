BoutputJ(ฉE_>ฆ]>d
g>–@>\s>ýLZ>ีH[>๑i>E>ตั>