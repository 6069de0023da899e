// entry module
