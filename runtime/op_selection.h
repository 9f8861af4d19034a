// Per-model kernel registry (a flash-size option): a firmware that defines QINFER_OPS_SELECTED
// and QINFER_OPS_<OPCODE>=1 for the opcodes its models use compiles only those cases in
// runtime/op_dispatch.cc and runtime/verify_ops.cc, so the other kernels are not linked and a
// model using another opcode fails verification with kBadOpCode. Default: every opcode.
#ifndef QINFER_RUNTIME_OP_SELECTION_H_
#define QINFER_RUNTIME_OP_SELECTION_H_

#if !defined(QINFER_OPS_SELECTED)
#define QINFER_OPS_CONV_2D 1
#define QINFER_OPS_DEPTHWISE_CONV_2D 1
#define QINFER_OPS_FULLY_CONNECTED 1
#define QINFER_OPS_ADD 1
#define QINFER_OPS_MUL 1
#define QINFER_OPS_MAX_POOL_2D 1
#define QINFER_OPS_AVG_POOL_2D 1
#define QINFER_OPS_MEAN 1
#define QINFER_OPS_SOFTMAX 1
#define QINFER_OPS_LOOKUP_TABLE 1
#define QINFER_OPS_REQUANTIZE 1
#define QINFER_OPS_CONCATENATION 1
#define QINFER_OPS_PAD 1
#define QINFER_OPS_TRANSPOSE 1
#define QINFER_OPS_RESHAPE 1
#else
#pragma GCC diagnostic ignored "-Wunused-function"  // the left-out opcodes' functions
#endif

#endif  // QINFER_RUNTIME_OP_SELECTION_H_
