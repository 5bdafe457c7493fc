namespace FedEdge.Sensors.Tests;
