=== nested_while.bin ===

module attributes {tfl.description = "MLIR Converted.", tfl.metadata = {min_runtime_version = "1.15.0\00\00\00\00\00\00\00\00\00\00"}, tfl.schema_version = 3 : i32} {
  func.func @main(%arg0: tensor<f32>) -> tensor<f32> attributes {tf.entry_function = {inputs = "arg0", outputs = "tfl.while"}} {
    %0 = "tfl.while"(%arg0) ({
    ^bb0(%arg1: tensor<f32>):
      %1 = func.call @while_cond(%arg1) : (tensor<f32>) -> tensor<i1>
      "tfl.yield"(%1) : (tensor<i1>) -> ()
    }, {
    ^bb0(%arg1: tensor<f32>):
      %1 = func.call @while_body(%arg1) : (tensor<f32>) -> tensor<f32>
      "tfl.yield"(%1) : (tensor<f32>) -> ()
    }) : (tensor<f32>) -> tensor<f32>
    return %0 : tensor<f32>
  }
  func.func private @while_cond(%arg0: tensor<f32>) -> tensor<i1> {
    %0 = tfl.mul %arg0, %arg0 {fused_activation_function = "NONE"} : tensor<f32>
    %1 = "tfl.equal"(%arg0, %0) : (tensor<f32>, tensor<f32>) -> tensor<i1>
    return %1 : tensor<i1>
  }
  func.func private @while_body(%arg0: tensor<f32>) -> tensor<f32> {
    %0 = "tfl.while"(%arg0) ({
    ^bb0(%arg1: tensor<f32>):
      %1 = func.call @while2_cond(%arg1) : (tensor<f32>) -> tensor<i1>
      "tfl.yield"(%1) : (tensor<i1>) -> ()
    }, {
    ^bb0(%arg1: tensor<f32>):
      %1 = func.call @while2_body(%arg1) : (tensor<f32>) -> tensor<f32>
      "tfl.yield"(%1) : (tensor<f32>) -> ()
    }) : (tensor<f32>) -> tensor<f32>
    return %0 : tensor<f32>
  }
  func.func private @while2_cond(%arg0: tensor<f32>) -> tensor<i1> {
    %0 = tfl.mul %arg0, %arg0 {fused_activation_function = "NONE"} : tensor<f32>
    %1 = "tfl.equal"(%arg0, %0) : (tensor<f32>, tensor<f32>) -> tensor<i1>
    return %1 : tensor<i1>
  }
  func.func private @while2_body(%arg0: tensor<f32>) -> tensor<f32> {
    %0 = tfl.add %arg0, %arg0 {fused_activation_function = "NONE"} : tensor<f32>
    return %0 : tensor<f32>
  }
}
