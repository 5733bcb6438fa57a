=== multi_io.tflite ===

module attributes {tf_saved_model.semantics, tfl.description = "MLIR Converted.", tfl.metadata = {CONVERSION_METADATA = "\10\00\00\00\00\00\00\00\08\00\0E\00\08\00\04\00\08\00\00\00\10\00\00\00$\00\00\00\00\00\06\00\08\00\04\00\06\00\00\00\04\00\00\00\00\00\00\00\0C\00\18\00\14\00\10\00\0C\00\04\00\0C\00\00\00\19\CE\B2\04<\C9\E9\8C\01\00\00\00\02\00\00\00\04\00\00\00\06\00\00\002.21.0\00\00", min_runtime_version = "1.5.0\00\00\00\00\00\00\00\00\00\00\00"}, tfl.schema_version = 3 : i32} {
  func.func @main(%arg0: tensor<?x4xf32> {tf_saved_model.index_path = ["zeta"]}, %arg1: tensor<?x4xf32> {tf_saved_model.index_path = ["alpha"]}) -> (tensor<?x1xf32> {tf_saved_model.index_path = ["score"]}, tensor<?x3xf32> {tf_saved_model.index_path = ["aux"]}) attributes {tf.entry_function = {inputs = "serving_default_zeta:0,serving_default_alpha:0", outputs = "StatefulPartitionedCall:1,StatefulPartitionedCall:0"}, tf_saved_model.exported_names = ["serving_default"]} {
    %0 = "tfl.concatenation"(%arg0, %arg1) <{axis = -1 : i32, fused_activation_function = "NONE"}> : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x8xf32>
    %1 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<8x8xf32>}> : () -> tensor<8x8xf32>
    %2 = "tfl.no_value"() <{value}> : () -> none
    %3 = "tfl.fully_connected"(%0, %1, %2) <{asymmetric_quantize_inputs = false, fused_activation_function = "RELU", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<?x8xf32>, tensor<8x8xf32>, none) -> tensor<?x8xf32>
    %4 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<3x8xf32>}> : () -> tensor<3x8xf32>
    %5 = "tfl.fully_connected"(%3, %4, %2) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<?x8xf32>, tensor<3x8xf32>, none) -> tensor<?x3xf32>
    %6 = "tfl.pseudo_const"() <{value = dense<[[-0.289396703, -0.49557519, -0.359237522, 0.299447417, 0.262953639, -0.259722292, -0.281846106, -0.0728747249]]> : tensor<1x8xf32>}> : () -> tensor<1x8xf32>
    %7 = "tfl.fully_connected"(%3, %6, %2) <{asymmetric_quantize_inputs = false, fused_activation_function = "NONE", keep_num_dims = false, weights_format = "DEFAULT"}> : (tensor<?x8xf32>, tensor<1x8xf32>, none) -> tensor<?x1xf32>
    return %7, %5 : tensor<?x1xf32>, tensor<?x3xf32>
  }
}
