r0 = 1
w1 = w2
if r1 s> -3 goto +1
r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)
r1 = 0x1234 ll
r0 = *(u8 *)skb[r2 + 4]
call pc+0
lock *(u32 *)(r10 - 4) += r1
exit
