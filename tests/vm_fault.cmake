# vm_fault.cmake - runtime memory-fault messages name the region the access missed
# (src/vm/fault_msg.c), on the interpreter engines.
xbpf_unit_test(test_fault_msg ${CMAKE_CURRENT_LIST_DIR}/unit/test_fault_msg.c)
