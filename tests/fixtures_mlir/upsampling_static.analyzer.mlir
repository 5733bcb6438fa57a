=== upsampling_static.tflite ===

module attributes {tf_saved_model.semantics, tfl.description = "MLIR Converted.", tfl.metadata = {CONVERSION_METADATA = "\10\00\00\00\00\00\00\00\08\00\0E\00\08\00\04\00\08\00\00\00\10\00\00\00$\00\00\00\00\00\06\00\08\00\04\00\06\00\00\00\04\00\00\00\00\00\00\00\0C\00\18\00\14\00\10\00\0C\00\04\00\0C\00\00\00I\86\9Df)_\0A\97\02\00\00\00\02\00\00\00\04\00\00\00\06\00\00\002.21.0\00\00", min_runtime_version = "1.10.1\00\00\00\00\00\00\00\00\00\00"}, tfl.schema_version = 3 : i32} {
  func.func @main(%arg0: tensor<?x32x32x3xf32> {tf_saved_model.index_path = ["image"]}) -> (tensor<?x?x64x8xf32> {tf_saved_model.index_path = ["output_0"]}) attributes {tf.entry_function = {inputs = "serving_default_image:0", outputs = "StatefulPartitionedCall_1:0"}, tf_saved_model.exported_names = ["serving_default"]} {
    %0 = "tfl.shape"(%arg0) : (tensor<?x32x32x3xf32>) -> tensor<4xi32>
    %1 = "tfl.pseudo_const"() <{value = dense<2> : tensor<i32>}> : () -> tensor<i32>
    %2 = "tfl.expand_dims"(%arg0, %1) : (tensor<?x32x32x3xf32>, tensor<i32>) -> tensor<?x32x1x32x3xf32>
    %3 = "tfl.pseudo_const"() <{value = dense<[1, 1, 2, 1, 1]> : tensor<5xi32>}> : () -> tensor<5xi32>
    %4 = "tfl.tile"(%2, %3) : (tensor<?x32x1x32x3xf32>, tensor<5xi32>) -> tensor<?x32x2x32x3xf32>
    %5 = "tfl.pseudo_const"() <{value = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
    %6 = "tfl.pseudo_const"() <{value = dense<1> : tensor<1xi32>}> : () -> tensor<1xi32>
    %7 = "tfl.strided_slice"(%0, %5, %6, %6) <{begin_mask = 1 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<1xi32>
    %8 = "tfl.pseudo_const"() <{value = dense<64> : tensor<1xi32>}> : () -> tensor<1xi32>
    %9 = "tfl.pseudo_const"() <{value = dense<[32, 3]> : tensor<2xi32>}> : () -> tensor<2xi32>
    %10 = "tfl.concatenation"(%7, %8, %9) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<1xi32>, tensor<1xi32>, tensor<2xi32>) -> tensor<4xi32>
    %11 = "tfl.reshape"(%4, %10) : (tensor<?x32x2x32x3xf32>, tensor<4xi32>) -> tensor<?x64x32x3xf32>
    %12 = "tfl.shape"(%11) : (tensor<?x64x32x3xf32>) -> tensor<4xi32>
    %13 = "tfl.pseudo_const"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32>
    %14 = "tfl.expand_dims"(%11, %13) : (tensor<?x64x32x3xf32>, tensor<i32>) -> tensor<?x64x32x1x3xf32>
    %15 = "tfl.pseudo_const"() <{value = dense<[1, 1, 1, 2, 1]> : tensor<5xi32>}> : () -> tensor<5xi32>
    %16 = "tfl.tile"(%14, %15) : (tensor<?x64x32x1x3xf32>, tensor<5xi32>) -> tensor<?x64x32x2x3xf32>
    %17 = "tfl.pseudo_const"() <{value = dense<2> : tensor<1xi32>}> : () -> tensor<1xi32>
    %18 = "tfl.strided_slice"(%12, %5, %17, %6) <{begin_mask = 1 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %19 = "tfl.pseudo_const"() <{value = dense<3> : tensor<1xi32>}> : () -> tensor<1xi32>
    %20 = "tfl.concatenation"(%18, %8, %19) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<2xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<4xi32>
    %21 = "tfl.reshape"(%16, %20) : (tensor<?x64x32x2x3xf32>, tensor<4xi32>) -> tensor<?x?x64x3xf32>
    %22 = "tfl.pseudo_const"() <{value = dense_resource<__elided__> : tensor<8x3x3x3xf32>}> : () -> tensor<8x3x3x3xf32>
    %23 = "tfl.pseudo_const"() <{value = dense<0.000000e+00> : tensor<8xf32>}> : () -> tensor<8xf32>
    %24 = "tfl.conv_2d"(%21, %22, %23) <{dilation_h_factor = 1 : i32, dilation_w_factor = 1 : i32, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i32, stride_w = 1 : i32}> : (tensor<?x?x64x3xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<?x?x64x8xf32>
    return %24 : tensor<?x?x64x8xf32>
  }
}
