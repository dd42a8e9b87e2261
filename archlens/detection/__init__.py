"""Object detection: R-CNN and SPPNet pipelines, region proposals, boxes, staged profiles."""
