module attributes {tfl.schema_version = 3 : i32} {
  func.func @main(%arg0: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %0 = "tfl.relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %1 = "tfl.add"(%0, %arg0) <{fused_activation_function = "NONE"}> : (tensor<1x4xf32>, tensor<1x4xq32>) -> tensor<1x4xf32>
    return %1 : tensor<1x4xf32>
  }
}
