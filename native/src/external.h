/*
 * external.h: tensor data that an ONNX file keeps in other files.
 */
#ifndef PRED_EXTERNAL_H
#define PRED_EXTERNAL_H

#include "common.h"
#include "onnx.h"

/* Reads and decodes the data of every external tensor of the parsed model
 * (initializers and node attributes) from the files it names, relative to
 * the folder of model_path. Tensors that are malformed get a `problem`, as
 * inline data does; a file that cannot be read is PRED_ERR_IO, a location
 * outside the model's folder PRED_ERR_MODEL. */
static pred_status pred__external_read(pred__onnx_model *model, const char *model_path);

#endif /* PRED_EXTERNAL_H */
