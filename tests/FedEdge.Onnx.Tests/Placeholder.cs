namespace FedEdge.Onnx.Tests;
