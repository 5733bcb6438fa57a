module attributes {tf.versions = {bad_consumers = [], min_consumer = 12 : i32, producer = 2474 : i32}, tf_saved_model.semantics, tfl._legalize_tfl_variables = true} {
  func.func @serving_default(%arg0: tensor<?x?x?x3xf32> {tf_saved_model.index_path = ["image"]}) -> (tensor<?x?x?x8xf32> {tf_saved_model.index_path = ["output_0"]}) attributes {tf.entry_function = {control_outputs = "", inputs = "serving_default_image:0", outputs = "StatefulPartitionedCall_1:0"}, tf_saved_model.exported_names = ["serving_default"]} {
    %cst = arith.constant dense<"0x800CFD3B0889C0BDA8DE2A3E365846BECCE553BD30F41DBE0008F0B9E266753E70D9DA3C5843FCBCE0A60D3EA8051E3D00BC933B201F5FBCC02D33BE20AD913D20B0EFBBF4226B3E6BE113BE881B3BBE1CABF13DE83FC93DF8BBBD3D9A793B3EF02F283D4C4A6E3EDCE502BEDADC8EBDA0A387BC943BFF3D46954B3EC895D3BC00771FBED8B9C6BC8EFE61BE30DC143E285F573E082C493EE832F13D8000323EFE5F063E5B5D57BE248CFE3D586C103E2C37C33DF6E2F0BDB6DF373ED08F6B3EC45541BE60C2023D98CB453EA009303EA8A0DBBD9A8F5F3E27FA21BEF2A7203EF0FFF1BCE3E568BED496F3BDCEFD5F3EA07C89BDF08D433D7C48693E2A42203E71A837BEA0A3073D2007243DCD2F0ABE94D1E23D5E70233E40BD80BC4E7D4F3E40820C3B009614BC64EA1DBD7C9F56BD2BE05ABE78E97DBD006EE53D806B30BC9E68D3BDF8AD9CBC063C033EDC5BF6BDDC3155BEFACC88BDD216E3BD913073BE3EBA123E28F1343EDF1170BE242154BDB247063EDAB222BEE022363D68E1173D58D9A5BC0007913CD023D03D60311E3C343A453E827B02BEBA522DBE264F243EDA8E603E58303EBD20794D3D1EC6BBBD545B09BEF83D18BD3084D03D502C223EE056803D003DFE3A5C8A873D0A76703E5226B1BD9E1E65BEE889AEBDE84D163E7DD921BE683280BC5491163EEAA11ABEDC028E3DA8C0423DCA1D22BE50CD14BD40B803BB7644CEBD4041703D006032BA802CA93C76669FBD0878E4BC70B0BC3C1E1690BD38717D3D3EE2BABD42E9673E504BF2BD4EEA41BEFAEACCBD43B950BEFCD457BEE20D37BEC455BD3DF084183DC0D7C93DB835F5BC20E618BCB468B33D1603083ECECDCDBD944646BEDA5F73BEAADF4FBE96E59CBD907613BD34B94ABE3E4C18BE6472AEBD2DEC0FBE30DFC0BCCE261D3EEA742B3E9DCB38BE406310BEA86A67BEA0CA5CBDA0BD823D18484CBD80752CBB9404773E00ABCB3C30B105BE927140BEEC30D43DC4E8CD3DD8EEE1BDC61283BD6CB955BDB851033E9CA1DD3D30EF55BE9A6194BDB2CA6F3EEEF4593E60AFF63DE078003E907470BCB674303E5418E63DF2C71D3EB06718BDB55256BE8067A73AA06CA8BC2E8593BD306432BEE0A542BC90874F3EAFA961BE90C05DBEB4EAC33DC871E63D0E642ABEEF1530BE4C7C79BEA8AF72BD7832293D5013CF3DC8D6193ED040F53CA453B93D8002533B"> : tensor<3x3x3x8xf32>
    %cst_0 = arith.constant dense<[1, 1, 1, 2, 1]> : tensor<5xi32>
    %cst_1 = arith.constant dense<[1, 1, 2, 1, 1]> : tensor<5xi32>
    %cst_2 = arith.constant dense<2> : tensor<i32>
    %cst_3 = arith.constant dense<3> : tensor<1xi32>
    %cst_4 = arith.constant dense<3> : tensor<i32>
    %cst_5 = arith.constant dense<2> : tensor<1xi32>
    %cst_6 = arith.constant dense<1> : tensor<1xi32>
    %cst_7 = arith.constant dense<0> : tensor<1xi32>
    %0 = "tfl.shape"(%arg0) : (tensor<?x?x?x3xf32>) -> tensor<4xi32>
    %1 = "tfl.expand_dims"(%arg0, %cst_2) : (tensor<?x?x?x3xf32>, tensor<i32>) -> tensor<?x?x1x?x3xf32>
    %2 = "tfl.tile"(%1, %cst_1) : (tensor<?x?x1x?x3xf32>, tensor<5xi32>) -> tensor<?x?x2x?x3xf32>
    %3 = "tfl.strided_slice"(%0, %cst_7, %cst_6, %cst_6) <{begin_mask = 1 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<1xi32>
    %4 = "tfl.strided_slice"(%0, %cst_6, %cst_5, %cst_6) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 1 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<i32>
    %5 = tfl.mul %4, %cst_2 {fused_activation_function = "NONE"} : tensor<i32>
    %6 = "tfl.reshape"(%5, %cst_6) : (tensor<i32>, tensor<1xi32>) -> tensor<1xi32>
    %7 = "tfl.strided_slice"(%0, %cst_5, %cst_7, %cst_6) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 1 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %8 = "tfl.concatenation"(%3, %6, %7) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<1xi32>, tensor<1xi32>, tensor<2xi32>) -> tensor<4xi32>
    %9 = "tfl.reshape"(%2, %8) : (tensor<?x?x2x?x3xf32>, tensor<4xi32>) -> tensor<?x?x?x?xf32>
    %10 = "tfl.shape"(%9) : (tensor<?x?x?x?xf32>) -> tensor<4xi32>
    %11 = "tfl.expand_dims"(%9, %cst_4) : (tensor<?x?x?x?xf32>, tensor<i32>) -> tensor<?x?x?x1x?xf32>
    %12 = "tfl.tile"(%11, %cst_0) : (tensor<?x?x?x1x?xf32>, tensor<5xi32>) -> tensor<?x?x?x2x?xf32>
    %13 = "tfl.strided_slice"(%10, %cst_7, %cst_5, %cst_6) <{begin_mask = 1 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %14 = "tfl.strided_slice"(%10, %cst_5, %cst_3, %cst_6) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 0 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 1 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<i32>
    %15 = tfl.mul %14, %cst_2 {fused_activation_function = "NONE"} : tensor<i32>
    %16 = "tfl.reshape"(%15, %cst_6) : (tensor<i32>, tensor<1xi32>) -> tensor<1xi32>
    %17 = "tfl.strided_slice"(%10, %cst_3, %cst_7, %cst_6) <{begin_mask = 0 : i32, ellipsis_mask = 0 : i32, end_mask = 1 : i32, new_axis_mask = 0 : i32, offset = false, shrink_axis_mask = 0 : i32}> : (tensor<4xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<1xi32>
    %18 = "tfl.concatenation"(%13, %16, %17) <{axis = 0 : i32, fused_activation_function = "NONE"}> : (tensor<2xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<4xi32>
    %19 = "tfl.reshape"(%12, %18) : (tensor<?x?x?x2x?xf32>, tensor<4xi32>) -> tensor<?x?x?x?xf32>
    %20 = "tf.Conv2D"(%19, %cst) <{data_format = "NHWC", dilations = [1, 1, 1, 1], explicit_paddings = [], padding = "SAME", strides = [1, 1, 1, 1], use_cudnn_on_gpu = true}> {device = ""} : (tensor<?x?x?x?xf32>, tensor<3x3x3x8xf32>) -> tensor<?x?x?x8xf32>
    return %20 : tensor<?x?x?x8xf32>
  }
}
